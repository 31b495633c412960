#if canImport(Glibc)
import Glibc
#endif

/// Which `malloc` this process runs on. `moat` and `moatd` link mimalloc, which replaces glibc's
/// allocator for Swift and every C library alike (3 % less CPU a message over all five engines,
/// `bench/results/profile-2026-12-05-d.md`); a build or a preload that loses it should be visible
/// in the daemon's start log and in benchmark output, not only as a slower machine.
public enum MemoryAllocator {
    /// "mimalloc 2.0.9" when `malloc` resolves to mimalloc's; otherwise "glibc malloc", or
    /// "another malloc" when something else (a preloaded jemalloc) replaced both.
    public static var name: String {
        #if canImport(Glibc)
        // RTLD_DEFAULT is ((void *) 0) in glibc's dlfcn.h; the macro does not import.
        let everywhere = UnsafeMutableRawPointer(bitPattern: 0)
        guard let malloc = dlsym(everywhere, "malloc") else { return "unknown malloc" }
        if let ours = dlsym(everywhere, "mi_malloc"), ours == malloc, let version = dlsym(everywhere, "mi_version") {
            // mi_version() answers 209 for 2.0.9.
            let number = unsafeBitCast(version, to: (@convention(c) () -> Int32).self)()
            return "mimalloc \(number / 100).\(number / 10 % 10).\(number % 10)"
        }
        // glibc's own `malloc`, from the already loaded libc: equal, or someone else's (a preload).
        guard let libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD) else { return "unknown malloc" }
        defer { dlclose(libc) }
        return dlsym(libc, "malloc") == malloc ? "glibc malloc" : "another malloc (not glibc's, not mimalloc)"
        #else
        return "system malloc"
        #endif
    }
}
