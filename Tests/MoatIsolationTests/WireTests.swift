import Foundation
import Glibc
import MoatCore
import MoatWire
import Testing
@testable import MoatIsolation

/// The parent–worker wire: frames survive a real socket pair, lengths are bounded, verdicts round-trip.
struct WireTests {
    @Test func scanPayloadSplitsBackIntoHeaderAndMessage() throws {
        let header = Array(#"{"a":1}"#.utf8)
        let message = Array("Subject: x\r\n\r\nbody".utf8)
        let payload = WorkerFrame.scanPayload(header: header, message: message)
        let split = try #require(WorkerFrame.splitScanPayload(payload))
        #expect(Array(split.header) == header)
        #expect(Array(split.message) == message)
    }

    @Test func truncatedScanPayloadIsRejectedNotTrapped() {
        #expect(WorkerFrame.splitScanPayload([]) == nil)
        #expect(WorkerFrame.splitScanPayload([0, 0, 0]) == nil)
        #expect(WorkerFrame.splitScanPayload([0xFF, 0xFF, 0xFF, 0xFF, 1, 2]) == nil)
        #expect(WorkerFrame.splitScanPayload([0, 0, 0, 2, 1]) == nil)
    }

    @Test func framesCrossASocketPairWholeAndInOrder() throws {
        try withChannelPair { sender, receiver, _ throws in
            let big = [UInt8](repeating: 0x41, count: 300_000) // larger than a socket buffer
            // The big frame overflows the socket buffer: its rest and the frames after it queue, in order.
            sender.post(WorkerFrame(kind: .begin, payload: [1, 2, 3]))
            sender.post(WorkerFrame(kind: .scan, payload: big))
            sender.post(WorkerFrame(kind: .done, payload: []))
            for index in 0..<50 { sender.post(WorkerFrame(kind: .verdict, payload: [UInt8(index)])) }
            #expect(try receiver.receive() == WorkerFrame(kind: .begin, payload: [1, 2, 3]))
            #expect(try receiver.receive() == WorkerFrame(kind: .scan, payload: big))
            #expect(try receiver.receive() == WorkerFrame(kind: .done, payload: []))
            for index in 0..<50 { #expect(try receiver.receive() == WorkerFrame(kind: .verdict, payload: [UInt8(index)])) }
            sender.close()
            #expect(throws: FrameChannel.ChannelError.self) { try receiver.receive() }
        }
    }

    @Test func framesStraddlingTheReadChunkArriveWhole() throws {
        try withChannelPair { sender, receiver, _ throws in
            // Sizes that put frame heads and payloads across every 64 KiB read, then one frame larger
            // than a read, then small ones behind it in the same burst.
            let sizes = (0..<300).map { 997 + ($0 * 7919) % 3001 } + [FrameChannel.readChunk + 5, 0, 3]
            let frames = sizes.enumerated().map { index, size in
                WorkerFrame(kind: .verdict, payload: (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ index) })
            }
            let writer = Thread { for frame in frames { sender.post(frame) } }
            writer.start()
            for frame in frames { #expect(try receiver.receive() == frame) }
        }
    }

    @Test func deferredFramesWaitForTheNextFrameSentAtOnce() throws {
        try withChannelPair(deferredDelay: .seconds(30)) { sender, receiver, receiverEnd throws in
            sender.post(WorkerFrame(kind: .begin, payload: [1]), deferred: true)
            sender.post(WorkerFrame(kind: .verdict, payload: [2]), deferred: true)
            var peek: UInt8 = 0
            #expect(recv(receiverEnd, &peek, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) == -1, "a deferred frame went out on its own")
            sender.post(WorkerFrame(kind: .done, payload: [3]))
            #expect(try receiver.receive() == WorkerFrame(kind: .begin, payload: [1]))
            #expect(try receiver.receive() == WorkerFrame(kind: .verdict, payload: [2]))
            #expect(try receiver.receive() == WorkerFrame(kind: .done, payload: [3]))
        }
    }

    @Test func aDeferredFrameGoesOutAfterItsDelay() throws {
        try withChannelPair(deferredDelay: .milliseconds(20)) { sender, receiver, receiverEnd throws in
            // An engine that hangs: its start must still reach the parent, which names it when it kills the worker.
            sender.post(WorkerFrame(kind: .begin, payload: [7]), deferred: true)
            var ready = pollfd(fd: receiverEnd, events: Int16(POLLIN), revents: 0)
            #expect(poll(&ready, 1, 5_000) == 1, "the deferred frame never went out")
            #expect(try receiver.receive() == WorkerFrame(kind: .begin, payload: [7]))
            // A fast scan: its end takes the held frames before their flush is due. The flush then
            // finds nothing held; a later hang's frames must still go out on their own.
            for round in 0..<3 {
                sender.post(WorkerFrame(kind: .begin, payload: [UInt8(round)]), deferred: true)
                sender.post(WorkerFrame(kind: .done, payload: [UInt8(round)]))
                #expect(try receiver.receive() == WorkerFrame(kind: .begin, payload: [UInt8(round)]))
                #expect(try receiver.receive() == WorkerFrame(kind: .done, payload: [UInt8(round)]))
                usleep(40_000)
                sender.post(WorkerFrame(kind: .verdict, payload: [UInt8(round)]), deferred: true)
                ready.revents = 0
                #expect(poll(&ready, 1, 5_000) == 1, "a deferred frame after a fast scan never went out (round \(round))")
                #expect(try receiver.receive() == WorkerFrame(kind: .verdict, payload: [UInt8(round)]))
            }
        }
    }

    @Test func aReleasedDescriptorIsNeverWrittenAgain() throws {
        var ends: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        defer { close(ends[1]) }
        let sender = FrameChannel(descriptor: ends[0], maxFrameBytes: 1 << 20)
        sender.post(WorkerFrame(kind: .done, payload: [1]), deferred: true)
        sender.releaseDescriptor()
        // The close runs on the channel's writer queue: wait for it, then let another socket
        // take the number (frames go out with send(2), which only a socket accepts).
        for _ in 0..<500 where fcntl(ends[0], F_GETFD) != -1 { usleep(1_000) }
        #expect(fcntl(ends[0], F_GETFD) == -1, "the descriptor was not closed")
        var other: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &other) == 0)
        defer { close(other[0]); close(other[1]) }
        #expect(other[0] == ends[0], "the test needs the number reused")
        sender.post(WorkerFrame(kind: .cancel, payload: [2]))
        sender.post(WorkerFrame(kind: .verdict, payload: [3]), deferred: true)
        sender.close()
        var ready = pollfd(fd: other[1], events: Int16(POLLIN), revents: 0)
        #expect(poll(&ready, 1, 100) == 0, "a frame went to the socket that reused the number")
    }

    @Test func oversizedAndUnknownFramesAreErrors() throws {
        var ends: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let receiver = FrameChannel(descriptor: ends[1], maxFrameBytes: 16)
        _ = write(ends[0], [0x7F, 0xFF, 0xFF, 0xFF, 0x53] as [UInt8], 5)
        #expect {
            try receiver.receive()
        } throws: { error in
            if case FrameChannel.ChannelError.tooLarge = error { return true }
            return false
        }
        _ = write(ends[0], [0, 0, 0, 1, 0x01] as [UInt8], 5)
        #expect {
            try receiver.receive()
        } throws: { error in
            if case FrameChannel.ChannelError.unknownKind(1) = error { return true }
            return false
        }
    }

    @Test func verdictsRoundTripThroughTheBinaryFrames() throws {
        let verdicts = [
            EngineVerdict(engine: "a", outcome: .clean, elapsed: .milliseconds(12)),
            EngineVerdict(engine: "b", outcome: .detected(.malware), score: 10,
                          findings: [Finding(code: "clamav.signature", detail: "Eicar", score: 10, partPath: "2")],
                          replacements: [PartReplacement(partPath: "2", rawPart: [1, 2, 3], reason: "macros"),
                                         PartReplacement(partPath: "3", rawPart: [4], reason: "converted", keepsOriginal: true)],
                          elapsed: .microseconds(1500), state: .shadow),
            EngineVerdict(engine: "c", outcome: .error("boom"), state: .active),
            EngineVerdict(engine: "d", outcome: .timeout, elapsed: .seconds(15)),
            EngineVerdict(engine: "spam", outcome: .notReady("spam rules still compiling")),
        ]
        for verdict in verdicts {
            let bytes = WireVerdict(request: 7, verdict: verdict).wireEncoded()
            let decoded = try WireVerdict(wire: bytes[...])
            #expect(decoded.request == 7)
            #expect(decoded.verdict == verdict)
            // Every cut of a frame, and every frame with bytes after it, is refused without trapping.
            for length in 0..<bytes.count { #expect(throws: WireReader.Malformed.self) { try WireVerdict(wire: bytes[..<length]) } }
            #expect(throws: WireReader.Malformed.self) { try WireVerdict(wire: (bytes + [0])[...]) }
        }
        var headers = EngineVerdict(engine: "auth", outcome: .clean)
        headers.headers = [Decision.Header(name: "Authentication-Results", value: "mx; spf=pass")]
        headers.requestedAction = .quarantine
        #expect(try WireVerdict(wire: WireVerdict(request: 1, verdict: headers).wireEncoded()[...]).verdict == headers)
        for progress in [EngineProgress(request: 3, engine: "spam"), EngineProgress(request: .max, engine: nil)] {
            #expect(try EngineProgress(wire: progress.wireEncoded()[...]) == progress)
        }
        // A hostile count never reserves memory or reads past the frame.
        var hostile = WireWriter()
        hostile.u64(1); hostile.string("x"); hostile.string("clean"); hostile.u8(0); hostile.u8(0); hostile.f64(0); hostile.u64(.max)
        #expect(throws: WireReader.Malformed.self) { try WireVerdict(wire: hostile.bytes[...]) }
    }

    @Test func scanRequestHeadersRoundTripAndTruncationsAreRejected() throws {
        var full = Envelope(clientAddress: "192.0.2.7", clientHostname: "mx.example.org", helo: "mx.example.org",
                            mailFrom: "a@example.org", recipients: ["b@example.net", "c@example.net", "é@例え.jp"], queueID: "4Bx")
        full.authenticatedAs = "alice"
        let headers = [
            ScanRequestHeader(request: 9, scanID: "s-1", envelope: full,
                              engines: [RequestedEngine(name: "spam", state: .active), RequestedEngine(name: "url", state: .shadow)], serial: true),
            ScanRequestHeader(request: .max, scanID: "", envelope: Envelope(), engines: [], serial: false),
        ]
        for header in headers {
            let bytes = header.wireEncoded()
            #expect(try ScanRequestHeader(wire: bytes[...]) == header)
            // Every shorter frame, and one with a byte more, is malformed, never a trap.
            for length in 0..<bytes.count {
                #expect(throws: WireReader.Malformed.self) { try ScanRequestHeader(wire: bytes[..<length]) }
            }
            #expect(throws: WireReader.Malformed.self) { try ScanRequestHeader(wire: (bytes + [0])[...]) }
        }
    }

    @Test func exitStatusNamesSignalsAndCodes() {
        #expect(ExitStatus(raw: 6).description == "killed by signal 6 (SIGABRT)")
        #expect(ExitStatus(raw: 11).label == "SIGSEGV")
        #expect(ExitStatus(raw: 3 << 8).description == "exited with status 3")
        #expect(ExitStatus(raw: 0x80 | 11).signal == 11) // core dumped
    }

    /// A sender and a receiver on the two ends of a fresh socket pair (and the receiver's
    /// descriptor, to look at the socket directly), both closed after `body`.
    private func withChannelPair(
        deferredDelay: Duration = .milliseconds(20), _ body: (FrameChannel, FrameChannel, Int32) throws -> Void
    ) throws {
        var ends: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let sender = FrameChannel(descriptor: ends[0], maxFrameBytes: 1 << 20, deferredDelay: deferredDelay)
        let receiver = FrameChannel(descriptor: ends[1], maxFrameBytes: 1 << 20)
        try body(sender, receiver, ends[1])
    }
}
