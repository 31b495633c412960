/// Keeps the optimiser from discarding work whose result is unused (fuzz entries return nothing).
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
