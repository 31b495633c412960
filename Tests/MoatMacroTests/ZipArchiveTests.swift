import MoatArchive
@testable import MoatMacro
import Testing

@Suite("ZipArchive")
struct ZipArchiveTests {
    /// The compression method (0 stored, 8 deflated) of `name`'s local file header.
    func method(of name: String, in zip: [UInt8]) -> Int? {
        let signature: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
        var index = 0
        while index + 30 <= zip.count {
            if zip[index..<index + 4].elementsEqual(signature) {
                let nameLength = Int(zip[index + 26]) | Int(zip[index + 27]) << 8
                if index + 30 + nameLength <= zip.count, String(decoding: zip[index + 30..<index + 30 + nameLength], as: UTF8.self) == name {
                    return Int(zip[index + 8]) | Int(zip[index + 9]) << 8
                }
            }
            index += 1
        }
        return nil
    }

    @Test("pictures are stored, XML is deflated, and both read back unchanged")
    func storesCompressedMembers() throws {
        var generator = SystemRandomNumberGenerator()
        let picture: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let xml = Array(String(repeating: "<w:p><w:r><w:t>text</w:t></w:r></w:p>", count: 2_000).utf8)
        let members = [ZipArchive.Member(name: "word/document.xml", data: xml), ZipArchive.Member(name: "word/media/image1.jpeg", data: picture)]
        let zip = try ZipArchive.write(members)
        #expect(method(of: "word/document.xml", in: zip) == 8)
        #expect(method(of: "word/media/image1.jpeg", in: zip) == 0)
        #expect(try ZipArchive.read(zip) == members)
        #expect(zip.count < picture.count + xml.count / 10)
    }

    @Test("detection reads only the first block of a picture, and nothing else is cut")
    func skipsPictures() throws {
        let picture: [UInt8] = [0x89, 0x50, 0x4E, 0x47] + [UInt8](repeating: 7, count: 300_000)
        let project: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0] + [UInt8](repeating: 1, count: 300_000)
        let zip = try ZipArchive.write([ZipArchive.Member(name: "xl/media/image1.png", data: picture),
                                        ZipArchive.Member(name: "xl/vbaProject.bin", data: project)])
        let members = try ZipArchive.read(zip, skippingPictures: true)
        #expect(members.map(\.isTruncated) == [true, false])
        #expect(members[0].data.count < picture.count && picture.starts(with: members[0].data))
        #expect(members[1].data == project)
        #expect(try ZipArchive.read(zip).map(\.data) == [picture, project])
    }
}
