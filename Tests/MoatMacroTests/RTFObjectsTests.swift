import Testing
@testable import MoatMacro

@Suite struct RTFObjectsTests {
    @Test func findsObjectDataThroughQuirks() {
        // Whitespace, a control word and a `\binN` run inside objdata; escaped braces in text.
        let rtf = Array("{\\rtf1 a \\{ b {\\object\\objemb{\\*\\objdata 01 05\n00\\par 00 02\\bin2 zz000000}}c}".utf8)
        let objects = RTFObjects(rtf)
        #expect(objects.objects.count == 1)
        #expect(objects.objects[0].data == [0x01, 0x05, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00])
        #expect(String(decoding: objects.removingObjects(from: rtf), as: UTF8.self) == "{\\rtf1 a \\{ b c}")
    }

    @Test func unclosedObjectGroupStillCounts() {
        let rtf = Array("{\\rt {\\object{\\*\\objdata 0105".utf8)
        let objects = RTFObjects(rtf)
        #expect(objects.objects.count == 1)
        #expect(objects.removingObjects(from: rtf) == Array("{\\rt ".utf8))
    }

    @Test func bareObjdataWithoutObjectGroup() {
        let rtf = Array("{\\rtf1{\\*\\objdata 414243}x}".utf8)
        #expect(RTFObjects(rtf).objects.map(\.data) == [[0x41, 0x42, 0x43]])
    }

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix(seed: 7)
        let alphabet = Array("{}\\objdatabin0123456789abcdef '\n".utf8)
        for _ in 0..<300 {
            let b = Array("{\\rt".utf8) + (0..<Int(rng.next() % 400)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let objects = RTFObjects(b)
            _ = objects.removingObjects(from: b)
        }
    }
}
