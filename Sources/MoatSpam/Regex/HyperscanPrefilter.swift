import CHyperscan
import Foundation

/// A Hyperscan block-mode database of many patterns compiled in prefilter mode.
///
/// Prefilter mode may report a pattern that the exact PCRE2 expression would not match, never the
/// reverse, so the hits are *candidates* that PCRE2 confirms. Patterns Hyperscan cannot compile are
/// left out and reported in `rejected`: their rules must always be checked with PCRE2.
/// The only owner of its `hs_database_t` and of the scratch spaces cloned for concurrent scans.
final class HyperscanPrefilter: @unchecked Sendable {
    // @unchecked: the database is immutable after init (Hyperscan allows concurrent scans of one
    // database); scratch spaces are handed out under `lock`, one per scan in flight.

    /// One pattern for the database: an id the caller chooses and Hyperscan-style flags.
    struct Pattern: Sendable {
        var id: UInt32
        var expression: String
        var caseless: Bool
        var dotAll: Bool
        /// Report every end of a match, not only the first: the caller then confirms only the
        /// texts where a match ends (see `candidates(in:)`).
        var everyEnd = false
        /// Compiled as written, not in prefilter mode: Hyperscan's matches are then the pattern's
        /// own (on the joined texts, which can still hold matches no single text holds).
        var exact = false
        /// A looser expression to compile when Hyperscan refuses `expression` for a `^` or `$`
        /// after something that consumes (`(?:$|\W)(?=…)`, a start anchor inside a repeated
        /// group): without them it matches more, at the same ends, which is all a prefilter needs.
        /// None for an exact pattern, whose matches must be the pattern's own. Part of the cache
        /// key, so a change to the rewrite is a new database.
        var fallback: String? {
            guard !exact else { return nil }
            let looser = RegexText.withoutInnerAnchors(expression)
            return looser == expression ? nil : looser
        }
    }

    private let database: OpaquePointer?
    private var freeScratch: [OpaquePointer] = []
    private let prototype: OpaquePointer?
    private let lock = NSLock()
    /// Ids of patterns that could not be compiled, with Hyperscan's reason.
    let rejected: [UInt32: String]
    /// Number of patterns in the database.
    let patternCount: Int

    /// Compiles `patterns`; never throws: a pattern that fails is moved to `rejected`.
    ///
    /// With `cacheDirectory`, a database compiled before from exactly the same patterns (and the same
    /// Hyperscan version) is read back from a file instead: compiling the stock rules takes tens of
    /// seconds, deserializing them milliseconds.
    convenience init(_ patterns: [Pattern], cacheDirectory: String? = nil) {
        let cache = cacheDirectory.map { PrefilterCache(directory: $0, patterns: patterns, flags: Self.flags(for:)) }
        if let cache, let cached = cache.load() {
            self.init(database: cached.0, rejected: cached.1, patternCount: patterns.count - cached.1.count)
            return
        }
        var rejected: [UInt32: String] = [:]
        var candidates: [Pattern] = []
        // `hs_expression_info` is cheap and names what Hyperscan cannot do (length limits, embedded
        // anchors); the database is then compiled once. Compiling each pattern alone first would
        // double the (large) compile time.
        for pattern in patterns {
            guard let reason = Self.unsupportedReason(pattern) else {
                candidates.append(pattern)
                continue
            }
            // The looser form, when Hyperscan takes it and it cannot match empty (it would then
            // name its rule in every message).
            if let fallback = pattern.fallback {
                var looser = pattern
                looser.expression = fallback
                if Self.minimumWidth(looser) ?? 0 > 0 {
                    candidates.append(looser)
                    continue
                }
            }
            rejected[pattern.id] = reason
        }
        var database: OpaquePointer?
        // A failing expression makes the whole compile fail and names its index: drop it, retry.
        while !candidates.isEmpty {
            var error: UnsafeMutablePointer<hs_compile_error_t>?
            var db: OpaquePointer?
            let rc = Self.compile(candidates, into: &db, error: &error)
            if rc == HS_SUCCESS {
                database = db
                break
            }
            let index = error.map { Int($0.pointee.expression) } ?? -1
            let message = error.flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "hs_compile_multi \(rc)"
            if error != nil { hs_free_compile_error(error) }
            guard index >= 0, index < candidates.count else {
                // Not attributable to one pattern (resource limit): give up on prefiltering.
                for c in candidates { rejected[c.id] = message }
                candidates = []
                break
            }
            rejected[candidates[index].id] = message
            candidates.remove(at: index)
        }
        if let cache { cache.store(database, rejected: rejected) }
        self.init(database: database, rejected: rejected, patternCount: candidates.count)
    }

    private init(database: OpaquePointer?, rejected: [UInt32: String], patternCount: Int) {
        self.database = database
        self.rejected = rejected
        self.patternCount = patternCount
        var scratch: OpaquePointer?
        if let database, hs_alloc_scratch(database, &scratch) == 0 {
            prototype = scratch
        } else {
            prototype = nil
        }
    }

    deinit {
        for s in freeScratch { hs_free_scratch(s) }
        if let prototype { hs_free_scratch(prototype) }
        if let database { hs_free_database(database) }
    }

    /// Checks one expression without building a database (cheap): nil if Hyperscan accepts it.
    private static func unsupportedReason(_ pattern: Pattern) -> String? {
        if case .failure(let refusal) = expressionInfo(pattern) { return refusal.reason }
        return nil
    }

    /// The fewest bytes a match of `pattern` can span, nil when Hyperscan refuses the pattern.
    static func minimumWidth(_ pattern: Pattern) -> UInt32? {
        try? expressionInfo(pattern).get()
    }

    /// Why Hyperscan refuses an expression.
    private struct Refusal: Error { var reason: String }

    /// `hs_expression_info` for `pattern` (cheap: no database is built): its minimum match width,
    /// or Hyperscan's reason to refuse it.
    private static func expressionInfo(_ pattern: Pattern) -> Result<UInt32, Refusal> {
        var info: UnsafeMutablePointer<hs_expr_info_t>?
        var error: UnsafeMutablePointer<hs_compile_error_t>?
        let rc = hs_expression_info(pattern.expression, flags(for: pattern), &info, &error)
        defer {
            if let info { free(info) }
            if error != nil { hs_free_compile_error(error) }
        }
        guard rc == 0, let info else {
            return .failure(Refusal(reason: error.flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "error \(rc)"))
        }
        return .success(info.pointee.min_width)
    }

    /// Whether Hyperscan builds `pattern` on its own: some patterns `hs_expression_info` accepts
    /// are too large to build, and one such pattern would fail a whole database's compile. The
    /// answer is kept in `cacheDirectory` (building can take a second).
    static func compilesAlone(_ pattern: Pattern, cacheDirectory: String?) -> Bool {
        HyperscanPrefilter([pattern], cacheDirectory: cacheDirectory).rejected.isEmpty
    }

    static func flags(for pattern: Pattern) -> UInt32 {
        // MULTILINE always: subjects are several lines joined with "\n", so `^` must match at each.
        var flags = UInt32(HS_FLAG_MULTILINE | HS_FLAG_ALLOWEMPTY)
        if !pattern.exact { flags |= UInt32(HS_FLAG_PREFILTER) }
        if !pattern.everyEnd { flags |= UInt32(HS_FLAG_SINGLEMATCH) }
        if pattern.caseless { flags |= UInt32(HS_FLAG_CASELESS) }
        if pattern.dotAll { flags |= UInt32(HS_FLAG_DOTALL) }
        return flags
    }

    private static func compile(_ patterns: [Pattern], into db: inout OpaquePointer?, error: inout UnsafeMutablePointer<hs_compile_error_t>?) -> Int32 {
        let cStrings = patterns.map { strdup($0.expression) }
        defer { cStrings.forEach { free($0) } }
        let flags = patterns.map { Self.flags(for: $0) }
        let ids = patterns.map(\.id)
        let expressions: [UnsafePointer<CChar>?] = cStrings.map { UnsafePointer($0) }
        return expressions.withUnsafeBufferPointer { exprs in
            flags.withUnsafeBufferPointer { fl in
                ids.withUnsafeBufferPointer { idp in
                    hs_compile_multi(exprs.baseAddress, fl.baseAddress, idp.baseAddress, UInt32(patterns.count),
                                     UInt32(HS_MODE_BLOCK), nil, &db, &error)
                }
            }
        }
    }

    /// Ids of the patterns that may match somewhere in `subject`, or nil when
    /// Hyperscan could not scan (no scratch space, a subject over 4 GiB, a scan error): the caller
    /// must then check every pattern itself, never treat the failure as "nothing matches". A
    /// database that holds nothing (every pattern `rejected`, so checked always) has no candidates.
    ///
    /// Each id comes with the end offset of the pattern's first match: prefilter mode relaxes a
    /// pattern (drops lookarounds, widens repeats), so every match of the exact pattern is also a
    /// match of the relaxed one at the same offsets, and Hyperscan reports matches in order of
    /// their end. No exact match can therefore end before `firstEnd`. A pattern compiled with
    /// `everyEnd` is reported once per end offset of a relaxed match (`firstEnd` is then that
    /// end), so no exact match ends anywhere else.
    func candidates(in subject: UnsafeBufferPointer<UInt8>) -> [(id: UInt32, firstEnd: Int)]? {
        guard let database else { return [] }
        guard let scratch = takeScratch(), subject.count <= Int(UInt32.max) else { return nil }
        defer { returnScratch(scratch) }
        let sink = CandidateSink()
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        let empty: CChar = 0
        let status = withUnsafePointer(to: empty) { emptyPointer in
            let base = subject.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } ?? emptyPointer
            return hs_scan(database, base, UInt32(subject.count), 0, scratch, { id, _, to, _, context in
                Unmanaged<CandidateSink>.fromOpaque(context!).takeUnretainedValue().found.append((id, Int(truncatingIfNeeded: to)))
                return 0
            }, unmanaged.toOpaque())
        }
        guard status == HS_SUCCESS else { return nil }
        return sink.found
    }

    private func takeScratch() -> OpaquePointer? {
        lock.lock()
        if let s = freeScratch.popLast() {
            lock.unlock()
            return s
        }
        lock.unlock()
        guard let prototype else { return nil }
        var clone: OpaquePointer?
        guard hs_clone_scratch(prototype, &clone) == 0 else { return nil }
        return clone
    }

    private func returnScratch(_ scratch: OpaquePointer) {
        lock.lock()
        freeScratch.append(scratch)
        lock.unlock()
    }
}

/// Collects pattern ids reported by Hyperscan's callback during one scan.
private final class CandidateSink {
    var found: [(id: UInt32, firstEnd: Int)] = []
}
