/// The recipient list as `_check_recipients` reads it (To and Cc addresses, Bcc when short,
/// neighbouring duplicates dropped): sorted lists and look-alike addresses are list-bombing signs.
struct RecipientList {
    var addresses: [String] = []

    init(_ ctx: EvalContext) {
        var inputs: [String] = []
        for name in ["ToCc:addr", "Bcc:addr"] {
            if let text = ctx.subjects.headerText(HeaderSelector(parsing: Substring(name))) {
                inputs.append(contentsOf: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
            }
            if inputs.count >= 5 { break }
        }
        var previous = ""
        for current in inputs {
            // Perl's `while (my $current = shift @inputs)` stops at an empty (false) value.
            if current.isEmpty || current == "0" { break }
            if current.lowercased() != previous.lowercased() {
                addresses.append(current)
                previous = current
            }
            if addresses.count == 256 { break }
        }
    }

    /// Seven or more addresses in byte order.
    var sorted: Bool {
        addresses.count >= 7
            && addresses == addresses.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Share of address pairs with the same first two characters of user or host part.
    var similarity: Double {
        guard addresses.count >= 5 else { return 0 }
        let users = addresses.map { String($0.prefix(2)) }
        // Perl's `map { m/\@(.*)/ }` drops addresses without '@', shifting the later ones.
        let hostsFull = addresses.compactMap { a in a.firstIndex(of: "@").map { String(a[a.index(after: $0)...]) } }
        func host(_ i: Int) -> String { i < hostsFull.count ? hostsFull[i] : "" }
        var hits = 0, combinations = 0
        for i in addresses.indices {
            for j in (i + 1)..<addresses.count {
                if users[i] == users[j] { hits += 1 }
                if host(i).prefix(2) == host(j).prefix(2), host(i) != host(j) { hits += 1 }
                combinations += 1
            }
        }
        return combinations > 0 ? Double(hits) / Double(combinations) : 0
    }
}
