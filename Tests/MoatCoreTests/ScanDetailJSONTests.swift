import Foundation
import Testing
@testable import MoatCore

/// The hand-written JSON of a stored detail says what `JSONEncoder` with sorted keys says: the
/// same object once parsed, the same detail once decoded, keys in the same order, and no text
/// where the encoder refuses a value.
@Suite struct ScanDetailJSONTests {
    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        mutating func string() -> String {
            let pieces = ["a", "spam.BAYES_99", "\"", "\\", "/", "\n", "\r", "\t", "\u{01}", "\u{1F}", "é", "日本", "🙂", " ", "<b>", "\u{7F}", "\u{2028}", ""]
            return (0..<next(5)).map { _ in pieces[next(pieces.count)] }.joined()
        }
        mutating func optionalString() -> String? { next(3) == 0 ? nil : string() }
        mutating func double() -> Double {
            let values: [Double] = [0, -0.0, 1, 5, -3, 0.1, 2.5, 1e-5, 123456.789, 1e20, -7.25e-9, 4.0 / 3.0, 9_007_199_254_740_992, 1e300]
            return values[next(values.count)]
        }
        mutating func findings() -> [Finding] {
            (0..<next(4)).map { _ in Finding(code: string(), detail: string(), score: double(), partPath: optionalString()) }
        }
        mutating func detail() -> ScanDetail {
            var d = try! JSONDecoder().decode(DecisionDocument.self, from: Data("""
                {"id": "x", "action": "accept", "score": 0, "reasons": [], "message_findings": [], "replaced_parts": [], "headers": [], "engines": []}
                """.utf8))
            d.id = string()
            d.file = optionalString()
            d.action = Action.allCases[next(Action.allCases.count)]
            d.score = double()
            d.category = next(2) == 0 ? nil : VerdictCategory.allCases[next(VerdictCategory.allCases.count)]
            d.smtpReply = optionalString()
            d.quarantineReason = optionalString()
            d.headers = (0..<next(3)).map { _ in Decision.Header(name: string(), value: string()) }
            d.reasons = (0..<next(3)).map { _ in
                Decision.Reason(engine: string(), label: string(), weightedScore: double(), counted: next(2) == 0,
                                action: Action.allCases[next(Action.allCases.count)], note: string())
            }
            d.engines = (0..<next(4)).map { _ in
                DecisionDocument.Verdict(engine: string(), verdict: string(), state: EngineState.allCases[next(EngineState.allCases.count)],
                                         score: double(), elapsedMilliseconds: double(), error: optionalString(), findings: findings(),
                                         replacedParts: (0..<next(2)).map { _ in string() })
            }
            d.messageFindings = findings()
            d.replacedParts = (0..<next(2)).map { _ in string() }
            if next(2) == 0 {
                d.model = Decision.ModelExplanation(bias: double(), probability: double(), threshold: double(), contributions: (0..<next(3)).map { _ in
                    VerdictModel.Contribution(feature: string(), value: double(), weight: double(), engine: optionalString())
                })
            }
            let parts = (0..<next(3)).map { _ in
                ScanDetail.Part(path: string(), contentType: string(), filename: optionalString(), disposition: optionalString(), bytes: next(100_000), depth: next(5))
            }
            return ScanDetail(decision: d, parts: parts, codes: (0..<next(3)).map { _ in string() }, truncated: next(2) == 0)
        }
    }

    static func foundation(_ detail: ScanDetail) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(detail)).map { String(decoding: $0, as: UTF8.self) }
    }

    static func keys(_ text: String) -> [String] {
        // Every `"key":` in order of appearance: the same order means the same (sorted) layout.
        var keys: [String] = []
        let scalars = Array(text.unicodeScalars)
        var i = 0
        var inString = false
        var start = 0
        while i < scalars.count {
            let c = scalars[i]
            if inString {
                if c == "\\" { i += 2; continue }
                if c == "\"" {
                    inString = false
                    if i + 1 < scalars.count, scalars[i + 1] == ":" {
                        keys.append(String(String.UnicodeScalarView(scalars[start..<i])))
                    }
                }
            } else if c == "\"" {
                inString = true
                start = i + 1
            }
            i += 1
        }
        return keys
    }

    @Test func agreesWithJSONEncoder() throws {
        var random = Random(state: 11)
        for _ in 0..<400 {
            let detail = random.detail()
            let mine = try #require(detail.encoded())
            let theirs = try #require(Self.foundation(detail))
            #expect(ScanDetail.decode(mine) == detail)
            let parsedMine = try JSONSerialization.jsonObject(with: Data(mine.utf8)) as? NSDictionary
            let parsedTheirs = try JSONSerialization.jsonObject(with: Data(theirs.utf8)) as? NSDictionary
            #expect(parsedMine == parsedTheirs, "\(mine)\n\(theirs)")
            #expect(Self.keys(mine) == Self.keys(theirs))
        }
    }

    @Test func aNonFiniteNumberGivesNoText() {
        var random = Random(state: 12)
        var detail = random.detail()
        detail.decision.score = .nan
        #expect(Self.foundation(detail) == nil)
        #expect(detail.encoded() == nil)
        detail.decision.score = 1
        detail.decision.reasons = [Decision.Reason(engine: "e", label: "l", weightedScore: .infinity, counted: true, action: .accept, note: "")]
        #expect(Self.foundation(detail) == nil)
        #expect(detail.encoded() == nil)
    }

    @Test func featuresAgreeWithJSONEncoder() throws {
        var random = Random(state: 13)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for _ in 0..<400 {
            var features: [String: Double] = [:]
            for _ in 0..<random.next(12) { features[random.string()] = random.double() }
            let mine = try #require(ScanRecord.encodeFeatures(features))
            let theirs = String(decoding: try encoder.encode(features), as: UTF8.self)
            #expect(ScanRecord.decodeFeatures(mine) == features)
            // Same members in the same order (`JSONEncoder` also escapes "/", which JSON allows either way).
            let unescape = { (key: String) in try JSONDecoder().decode(String.self, from: Data(("\"" + key + "\"").utf8)) }
            #expect(try Self.keys(mine).map(unescape) == Self.keys(theirs).map(unescape), "\(mine)\n\(theirs)")
        }
        #expect(ScanRecord.encodeFeatures(["a": .nan]) == nil)
        #expect(ScanRecord.encodeFeatures(nil) == nil)
    }
}
