import Foundation
import MoatCore
import Testing

@Suite struct ScratchDirectoriesTests {
    @Test("a dead process's scratch directory is removed; a live one's, our own and others stay")
    func removesOnlyTheDead() throws {
        let parent = NSTemporaryDirectory() + "moat-scratch-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: parent) }
        // A process that has ended: its id names nothing now.
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let own = ProcessInfo.processInfo.processIdentifier
        let names = ["moat-x-\(ended.processIdentifier)", "moat-x-1", "moat-x-\(own)", "moat-x-notapid", "other-\(ended.processIdentifier)"]
        for name in names { try FileManager.default.createDirectory(atPath: parent + "/" + name, withIntermediateDirectories: true) }
        ScratchDirectories.removeAbandoned(beside: parent + "/moat-x-\(own)", prefix: "moat-x-")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: parent))
        #expect(left == Set(["moat-x-1", "moat-x-\(own)", "moat-x-notapid", "other-\(ended.processIdentifier)"]))
    }
}
