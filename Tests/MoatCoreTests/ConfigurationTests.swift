import Foundation
import MoatCore
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    @Test("no file at all is a working configuration")
    func defaults() throws {
        let configuration = try MoatConfiguration.load(path: nil)
        #expect(configuration.milter.listen == ["inet:7357@127.0.0.1"])
        #expect(configuration.policy.onDetect[.malware] == .reject)
        #expect(configuration.enginesDirectory == "engines")
    }

    @Test("an empty file equals the defaults; keys override")
    func overrides() throws {
        let configuration = try TOMLDocument.decode(MoatConfiguration.self, from: """
            log_level = "debug"
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
