import Foundation
import MoatCore
import MoatMessage
import MoatWire

/// Entry points for the frames between `moatd` and its workers. A worker scans what any sender
/// sends, with C libraries in process, so the parent reads its frames as untrusted bytes: it must
/// read anything without trapping, and carry what it read through the decision, the headers it
/// writes and the scan's record, as `ScanPipeline` does.
enum WireFuzzEntries {
    /// The first byte picks the frame (its low two bits: `ready`, `begin`/`done`/`retire`, a
    /// verdict, or a worker's `scan`); the rest is the frame's payload.
    static func frame(_ data: [UInt8]) {
        guard let selector = data.first else { return }
        let payload = Array(data.dropFirst())
        switch selector & 3 {
        case 0: blackHole(try? JSONDecoder().decode(WorkerReady.self, from: Data(payload)))
        case 1: blackHole(try? EngineProgress(wire: payload[...]))
        case 2: verdict(payload)
        default: scanRequest(payload)
        }
    }

    /// A verdict beside a clean one, decided under the hand-set policy and the learned combiner.
    static func verdict(_ payload: [UInt8]) {
        guard let wire = try? WireVerdict(wire: payload[...]) else { return }
        let verdicts = [wire.verdict, EngineVerdict(engine: "other", outcome: .clean)].map { $0.withCheckedScores() }
        var manifests: [String: EngineManifest] = [:]
        for verdict in verdicts { manifests[verdict.engine] = EngineManifest(name: verdict.engine, adapter: "fuzz") }
        for policy in [Policy(), Policy(model: model)] {
            let decision = Aggregator(policy: policy).decide(
                scanID: "fuzz", verdicts: verdicts, manifests: manifests, messageFindings: wire.findings)
            let record = ScanRecord(decision: decision, input: ScanInput(message: message), contentHash: "fuzz")
            blackHole(record.detail?.encoded())
            blackHole(ScanRecord.encodeFeatures(record.features))
        }
    }

    /// What a worker reads: a scan frame's header and message.
    static func scanRequest(_ payload: [UInt8]) {
        guard let (header, raw) = WorkerFrame.splitScanPayload(payload) else { return }
        blackHole(try? ScanRequestHeader(wire: header))
        blackHole(raw.count)
    }

    static let message = Message(parsing: Array("From: a@example.com\r\nSubject: fuzz\r\n\r\nbody\r\n".utf8))

    static let model = VerdictModel(
        engines: ["other"], bias: -1, weights: ["score:other": 0.5, "count:url.extracted": 0.3], threshold: 1,
        calibrationA: 1, calibrationB: 0, targetHamRate: 0.002,
        provenance: .init(created: "fuzz", corpora: [], messages: [:], seed: 1, folds: 1, l2: 1, minFeatureCount: 1,
                          holdoutPercent: 0, note: ""),
        validation: .init(precision: 1, recall: 1, f1: 1, hamFlagged: 0, recallByClass: [:], logLoss: 0))
}
