import Foundation
@testable import MoatBench
import MoatCore
import Testing

@Suite struct PeerVerdictsTests {
    /// One peer answer per message except one; an error line; paths given through a symbolic link.
    @Test func missingAnswersErrorsAndLinkedPaths() async throws {
        let root = try temporaryDirectory()
        try writeMessage(root + "/corpus/ham/h1", body: "hello")
        try writeMessage(root + "/corpus/ham/h2", body: "hello again")
        try writeMessage(root + "/corpus/spam/s1", body: "buy now")
        try writeMessage(root + "/corpus/spam/s2", body: "buy later")
        try FileManager.default.createSymbolicLink(atPath: root + "/linked", withDestinationPath: root + "/corpus")
        let tsv = """
            # peer=test
            \(root)/linked/ham/h1\tclean\t1.0
            \(root)/linked/ham/h2\tspam\t2.0
            \(root)/linked/spam/s1\tspam\t3.0
            \(root)/linked/spam/s2\terror\t4.0
            """
        try Data(tsv.utf8).write(to: URL(fileURLWithPath: root + "/peer.tsv"))
        let peer = try PeerVerdicts(name: "test", path: root + "/peer.tsv")
        let messages = try CorpusLoader.load([root + "/corpus"]).map { message in
            AccuracyResult.MessageResult(path: message.path, label: message.label, scanID: "", action: .accept, category: nil, score: 0, engines: [:])
        }
        let (metrics, missing) = peer.metrics(for: messages + [AccuracyResult.MessageResult(
            path: root + "/corpus/ham/unknown", label: .ham, scanID: "", action: .accept, category: nil, score: 0, engines: [:])])
        #expect(missing == 1)
        let any = metrics.any
        #expect((any.tp, any.fp, any.tn, any.fn) == (1, 1, 1, 1), "an error predicts nothing: the spam it missed is a false negative")
        #expect(metrics.errors == 1)
        #expect(metrics.latency?.samples == 4)
    }

    @Test func malformedLineNamesFileAndLine() throws {
        let root = try temporaryDirectory()
        try Data("# ok\n/a\tclean\t1\n/b\tmaybe\t1\n".utf8).write(to: URL(fileURLWithPath: root + "/bad.tsv"))
        #expect { try PeerVerdicts(name: "x", path: root + "/bad.tsv") } throws: { "\($0)".contains("bad.tsv:3") }
    }
}
