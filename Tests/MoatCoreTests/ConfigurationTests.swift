import Foundation
@testable import MoatCore
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    @Test("no file at all is a working configuration")
    func defaults() throws {
        let configuration = try MoatConfiguration.defaults()
        #expect(configuration.milter.listen == ["inet:7357@127.0.0.1"])
        #expect(configuration.policy.onDetect[.malware] == .reject)
        #expect(configuration.enginesDirectory == "engines")
    }

    @Test("an empty file equals the defaults; keys override")
    func overrides() throws {
        let configuration = try TOMLDocument.decode(MoatConfiguration.self, from: """
            log_level = "debug"
            shutdown_timeout_ms = 45000
            lane_stall_ms = 750
            [milter]
            listen = ["inet:9999@127.0.0.1", "unix:/tmp/moat.sock"]
            spool_threshold_bytes = 4096
            [policy]
            reject_score = 0
            tag_score = 3.5
            on_detect = { phishing = "reject" }
            [limits]
            max_parts = 50
            """, file: "moat.toml")
        #expect(configuration.logLevel == "debug")
        #expect(configuration.shutdownTimeoutMilliseconds == 45_000)
        #expect(configuration.laneStallMilliseconds == 750)
        #expect(configuration.milter.listen.count == 2)
        #expect(configuration.milter.spoolThresholdBytes == 4096)
        #expect(configuration.milter.maxFrameBytes == MilterSettings().maxFrameBytes)
        #expect(configuration.policy.rejectScore == nil)
        #expect(configuration.policy.tagScore == 3.5)
        #expect(configuration.policy.onDetect[.phishing] == .reject)
        #expect(configuration.policy.onDetect[.malware] == .reject)
        #expect(configuration.limits.maxParts == 50)
    }

    @Test("errors name the file, the key and the reason", arguments: [
        ("[policy]\non_detect = { virus = \"reject\" }", "policy.on_detect", "unknown category"),
        ("[policy]\nreject_reply = \"250 ok\"", "policy.reject_reply", "5xx"),
        ("[milter]\nlisten = [\"tcp:1\"]", "milter.listen", "inet:PORT@HOST"),
        ("log_level = \"loud\"", "log_level", "is not one of"),
        ("[milter]\nmax_frame_bytes = \"big\"", "milter.max_frame_bytes", "expected"),
        ("shutdown_timeout_ms = 5", "shutdown_timeout_ms", "expected 1000 to 600000"),
        ("lane_stall_ms = 0", "lane_stall_ms", "expected 10 to 60000"),
    ])
    func errors(text: String, key: String, reason: String) {
        do {
            _ = try TOMLDocument.decode(MoatConfiguration.self, from: text, file: "moat.toml")
            Issue.record("expected an error for \(text)")
        } catch let error as ConfigurationError {
            #expect(error.file == "moat.toml")
            #expect(error.key == key)
            #expect(error.reason.contains(reason), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("a key nothing reads is an error with its line and the key it was probably meant to be")
    func unknownKeys() {
        let text = """
            log_level = "info"
            [milter]
            listen = ["inet:7357@127.0.0.1"]

            [policy]
            tag_score = 4
            reject_scor = 9
            on_detect = { phishing = "reject" }
            [limits]
            max_parts = 50
            max_prts = 9
            [nonsense]
            x = 1
            """
        do {
            _ = try TOMLDocument.decode(MoatConfiguration.self, from: text, file: "moat.toml")
            Issue.record("a typo was accepted")
        } catch let error as ConfigurationError {
            #expect(error.key == "policy.reject_scor")
            #expect(error.reason.hasPrefix("line 7: unknown key (did you mean reject_score?)"), "\(error)")
            #expect(error.reason.contains("limits.max_prts (line 11)"), "\(error)")
            #expect(error.reason.contains("nonsense (line 12)"), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("one document read as two types: a key either reads is known, one neither reads is not")
    func sharedDocument() throws {
        struct Other: Decodable {
            var admin: [String: String]
        }
        let (core, other) = try TOMLDocument.decode(MoatConfiguration.self, Other.self, from: """
            [policy]
            tag_score = 3
            [admin]
            listen = "127.0.0.1:1"
            """, file: "moat.toml")
        #expect(core.policy.tagScore == 3)
        #expect(other.admin["listen"] == "127.0.0.1:1")
        #expect(throws: ConfigurationError.self) {
            try TOMLDocument.decode(MoatConfiguration.self, from: "[admin]\nlisten = \"127.0.0.1:1\"\n", file: "moat.toml")
        }
    }

    @Test("a wrong type names its line")
    func wrongTypeLine() {
        do {
            _ = try TOMLDocument.decode(MoatConfiguration.self, from: "[milter]\n\nmax_frame_bytes = \"big\"\n", file: "moat.toml")
            Issue.record("expected an error")
        } catch let error as ConfigurationError {
            #expect(error.key == "milter.max_frame_bytes")
            #expect(error.reason.hasPrefix("line 3: expected"), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("keys are found on their lines: tables, arrays of tables, dotted and quoted keys, multi-line strings skipped")
    func keyLocator() {
        let text = """
            # comment = 1
            top = 1
            [a.b]
            c = "x = y"
            d.e = 2
            "q.r" = 3
            text = \"\"\"
            fake = 4
            \"\"\"
            [[list]]
            name = "one"
            [[list]]
            name = "two"
            """
        let locator = TOMLKeyLocator(text: text)
        #expect(locator.line(of: "top") == 2)
        #expect(locator.line(of: "a.b") == 3)
        #expect(locator.line(of: "a.b.c") == 4)
        #expect(locator.line(of: "a.b.d.e") == 5)
        #expect(locator.line(of: "a.b.q.r") == nil)
        #expect(locator.line(of: "a.b.fake") == nil)
        #expect(locator.line(of: "list[0].name") == 11)
        #expect(TOMLKeyLocator.keyParts("a.\"q.r\".c") == ["a", "q.r", "c"])
        #expect(TOMLDocument.closest("reject_scor", among: ["reject_score", "tag_score"]) == "reject_score")
        #expect(TOMLDocument.closest("xyz", among: ["reject_score"]) == nil)
    }

    @Test("every shipped manifest, policy and fixture expectation decodes strictly")
    func shippedFilesAreStrictlyValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let manifests = ["engines", "engines/optional"].flatMap { directory in
            ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(directory)")) ?? []).filter { $0.hasSuffix(".toml") }.map { "\(root)/\(directory)/\($0)" }
        }
        #expect(manifests.count >= 8)
        for path in manifests { _ = try TOMLDocument.load(EngineManifest.self, path: path) }
    }

    @Test("TOML syntax errors carry line and column")
    func syntax() {
        #expect(throws: ConfigurationError.self) {
            try TOMLDocument.decode(MoatConfiguration.self, from: "[milter\nlisten = 1", file: "bad.toml")
        }
    }

    @Test("a manifest decodes with defaults and adapter options of any shape")
    func manifest() throws {
        let manifest = try TOMLDocument.decode(EngineManifest.self, from: """
            adapter = "pattern"
            state = "shadow"
            weight = 2.5
            timeout_ms = 250
            on_error = "tempfail"
            [options]
            patterns = ["EICAR", "X5O!P%@AP"]
            score = 7
            nested = { depth = 2 }
            """, file: "engines/test.toml")
        #expect(manifest.adapter == "pattern")
        #expect(manifest.state == .shadow)
        #expect(manifest.weight == 2.5)
        #expect(manifest.timeout == .milliseconds(250))
        #expect(manifest.onError == .tempfail)
        #expect(manifest.options["patterns"]?.stringArray == ["EICAR", "X5O!P%@AP"])
        #expect(manifest.options["score"]?.doubleValue == 7)
        #expect(manifest.options["nested"] == .table(["depth": .integer(2)]))
    }
}
