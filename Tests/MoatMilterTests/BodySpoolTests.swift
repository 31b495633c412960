import Foundation
import NIOCore
import Testing

@testable import MoatMilter

/// A private directory per test so spool files can be counted.
func makeSpoolDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "moat-milter-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    return path
}

func spoolFiles(in directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).map { directory + "/" + $0 }
}

func permissions(of path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

@Suite("BodySpool")
struct BodySpoolTests {
    @Test("small bodies stay in memory")
    func inMemory() throws {
        let directory = try makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = BodySpool(memoryThreshold: 100, directory: directory)
        try spool.append(ByteBuffer(string: "hello\r\n"))
        try spool.append([UInt8]("world\r\n"))
        #expect(spool.filePath == nil)
        #expect(spoolFiles(in: directory).isEmpty)
        #expect(try spool.bodyBytes() == [UInt8]("hello\r\nworld\r\n"))
        #expect(spool.size == 14)
    }

    @Test("past the threshold the body moves to a 0600 file that discard removes")
    func spillsToFile() throws {
        let directory = try makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = BodySpool(memoryThreshold: 1000, directory: directory)
        let first = [UInt8](repeating: UInt8(ascii: "a"), count: 800)
        let second = [UInt8](repeating: UInt8(ascii: "b"), count: 800)
        try spool.append(first)
        #expect(spool.filePath == nil)
        try spool.append(second)
        let path = try #require(spool.filePath)
        #expect(spoolFiles(in: directory) == [path])
        #expect(try permissions(of: path) == 0o600)
        #expect(try spool.bodyBytes() == first + second)
        spool.discard()
        #expect(spoolFiles(in: directory).isEmpty)
        #expect(throws: BodySpoolError.discarded) { try spool.bodyBytes() }
        spool.discard()  // idempotent
    }

    @Test("deinit removes a forgotten spool file")
    func deinitRemoves() throws {
        let directory = try makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let spool = BodySpool(memoryThreshold: 1, directory: directory)
            try spool.append([UInt8]("more than one byte"))
            #expect(spoolFiles(in: directory).count == 1)
        }
        #expect(spoolFiles(in: directory).isEmpty)
    }

    @Test("an unusable directory is reported, not crashed on")
    func badDirectory() throws {
        let spool = BodySpool(memoryThreshold: 1, directory: "/nonexistent/moat-spool")
        #expect(throws: BodySpoolError.self) { try spool.append([UInt8]("abc")) }
    }
}
