extension ScanDetail {
    /// The detail as stored: JSON with sorted keys, the text `JSONEncoder` with `.sortedKeys` gives
    /// (what `decode` reads back), or nil where that refuses a value (a non-finite number).
    ///
    /// Written by hand: the daemon stores one per message, and Foundation's encoder (boxed
    /// containers, a value tree, then the text) was a fifth of the milter front end's CPU.
    public func encoded() -> String? {
        var json = JSONText(capacity: 2048)
        json.object { o in
            o.key("codes") { $0.array(codes) { $0.string($1) } }
            o.key("decision") { $0.decision(decision) }
            o.key("parts") {
                $0.array(parts) { json, part in
                    json.object { o in
                        o.key("bytes") { $0.number(part.bytes) }
                        o.key("content_type") { $0.string(part.contentType) }
                        o.key("depth") { $0.number(part.depth) }
                        if let disposition = part.disposition { o.key("disposition") { $0.string(disposition) } }
                        if let filename = part.filename { o.key("filename") { $0.string(filename) } }
                        o.key("path") { $0.string(part.path) }
                    }
                }
            }
            o.key("truncated") { $0.bool(truncated) }
        }
        return json.failed ? nil : String(decoding: json.bytes, as: UTF8.self)
    }
}

/// JSON text written straight to bytes; object keys are written in the order given, which the
/// callers keep sorted.
struct JSONText {
    private(set) var bytes: [UInt8] = []
    /// A number JSON cannot hold (NaN, infinity) was met: `JSONEncoder` throws there.
    private(set) var failed = false

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// The members of one object; `key` writes the separating commas.
    struct Object {
        fileprivate var text: JSONText
        fileprivate var first = true

        mutating func key(_ name: String, _ value: (inout JSONText) -> Void) {
            if !first { text.bytes.append(UInt8(ascii: ",")) }
            first = false
            text.string(name)
            text.bytes.append(UInt8(ascii: ":"))
            value(&text)
        }
    }

    mutating func object(_ members: (inout Object) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        var object = Object(text: self)
        self = JSONText()
        members(&object)
        self = object.text
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func array<Element>(_ elements: [Element], _ write: (inout JSONText, Element) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            write(&self, element)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func bool(_ value: Bool) {
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func number(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Integral values without a fraction (as `JSONEncoder` writes them), others in Swift's
    /// shortest round-tripping form, which is valid JSON.
    mutating func number(_ value: Double) {
        guard value.isFinite else {
            failed = true
            bytes.append(UInt8(ascii: "0"))
            return
        }
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
            bytes.append(contentsOf: String(Int64(value)).utf8)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    /// A quoted string: `"`, `\` and control characters escaped, the rest as UTF-8.
    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most texts need no escape: copied whole.
        let plain = value.utf8.withContiguousStorageIfAvailable { Self.needsNoEscape($0) }
            ?? Array(value.utf8).withUnsafeBufferPointer { Self.needsNoEscape($0) }
        if plain {
            bytes.append(contentsOf: value.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case 0x0A: bytes.append(contentsOf: #"\n"#.utf8)
            case 0x0D: bytes.append(contentsOf: #"\r"#.utf8)
            case 0x09: bytes.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func needsNoEscape(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in text where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
        return true
    }

    mutating func findings(_ findings: [Finding]) {
        array(findings) { json, finding in
            json.object { o in
                o.key("code") { $0.string(finding.code) }
                o.key("detail") { $0.string(finding.detail) }
                if let path = finding.partPath { o.key("part_path") { $0.string(path) } }
                o.key("score") { $0.number(finding.score) }
            }
        }
    }

    /// `DecisionDocument`'s members under their coding keys, sorted.
    mutating func decision(_ d: DecisionDocument) {
        object { o in
            o.key("action") { $0.string(d.action.rawValue) }
            if let category = d.category { o.key("category") { $0.string(category.rawValue) } }
            o.key("engines") {
                $0.array(d.engines) { json, verdict in
                    json.object { o in
                        o.key("elapsed_ms") { $0.number(verdict.elapsedMilliseconds) }
                        o.key("engine") { $0.string(verdict.engine) }
                        if let error = verdict.error { o.key("error") { $0.string(error) } }
                        o.key("findings") { $0.findings(verdict.findings) }
                        o.key("replaced_parts") { $0.array(verdict.replacedParts) { $0.string($1) } }
                        o.key("score") { $0.number(verdict.score) }
                        o.key("state") { $0.string(verdict.state.rawValue) }
                        o.key("verdict") { $0.string(verdict.verdict) }
                    }
                }
            }
            if let file = d.file { o.key("file") { $0.string(file) } }
            o.key("headers") {
                $0.array(d.headers) { json, header in
                    json.object { o in
                        o.key("name") { $0.string(header.name) }
                        o.key("value") { $0.string(header.value) }
                    }
                }
            }
            o.key("id") { $0.string(d.id) }
            o.key("message_findings") { $0.findings(d.messageFindings) }
            if let model = d.model {
                o.key("model") {
                    $0.object { o in
                        o.key("bias") { $0.number(model.bias) }
                        o.key("contributions") {
                            $0.array(model.contributions) { json, c in
                                json.object { o in
                                    if let engine = c.engine { o.key("engine") { $0.string(engine) } }
                                    o.key("feature") { $0.string(c.feature) }
                                    o.key("value") { $0.number(c.value) }
                                    o.key("weight") { $0.number(c.weight) }
                                }
                            }
                        }
                        o.key("probability") { $0.number(model.probability) }
                        o.key("threshold") { $0.number(model.threshold) }
                    }
                }
            }
            if let reason = d.quarantineReason { o.key("quarantine_reason") { $0.string(reason) } }
            o.key("reasons") {
                $0.array(d.reasons) { json, r in
                    json.object { o in
                        o.key("action") { $0.string(r.action.rawValue) }
                        o.key("counted") { $0.bool(r.counted) }
                        o.key("engine") { $0.string(r.engine) }
                        o.key("label") { $0.string(r.label) }
                        o.key("note") { $0.string(r.note) }
                        o.key("weightedScore") { $0.number(r.weightedScore) }
                    }
                }
            }
            o.key("replaced_parts") { $0.array(d.replacedParts) { $0.string($1) } }
            o.key("score") { $0.number(d.score) }
            if let reply = d.smtpReply { o.key("smtp_reply") { $0.string(reply) } }
        }
    }
}
