import MoatArchive
@testable import MoatMacro

/// Entry points of the MoatMacro fuzz targets (see `MessageFuzzEntries` for why they live here).
enum MacroFuzzEntries {
    /// Compound file: open, walk the tree, read every stream (bounded), look for VBA projects.
    static func cfb(_ data: [UInt8]) {
        guard let file = try? CompoundFile(bytes: data) else { return }
        guard let tree = try? file.tree() else { return }
        for entry in tree.prefix(64) {
            blackHole(try? file.stream(entry.id, limit: 1 << 20))
        }
        blackHole(try? VBAProject.find(in: file))
    }

    /// Zip reader, then the OOXML package view of its members.
    static func zip(_ data: [UInt8]) {
        guard let members = try? ZipArchive.read(data, limits: ZipArchive.Limits(), skippingPictures: true) else { return }
        if OOXMLPackage.isPackage(members) {
            let package = OOXMLPackage(members: members)
            blackHole(package.macroParts(projectMembers: Set(members.map(\.name))))
            blackHole(package.withoutMacros(projectMembers: []))
        }
    }

    static func rtf(_ data: [UInt8]) {
        let objects = RTFObjects(data, maxObjectBytes: 1 << 20)
        blackHole(objects.removingObjects(from: data))
    }

    static func biff(_ data: [UInt8]) {
        blackHole(BIFFWorkbook(data))
        blackHole(BIFFMacroNeutraliser.neutralise(data)?.removed)
        // The same bytes as BIFF12 records (.xlsb parts).
        var copy = data
        blackHole(XLSBMacroNeutraliser.neutraliseFormulas(&copy))
        blackHole(XLSBMacroNeutraliser.neutraliseNames(&copy))
        blackHole(XLSBMacroNeutraliser.sheets(data))
    }

    /// PowerPoint record walk, then every storage's contents.
    static func powerpoint(_ data: [UInt8]) {
        let document = PowerPointDocument(data)
        for storage in document.storages.prefix(16) {
            blackHole(try? document.contents(of: storage, limit: 1 << 20))
        }
        blackHole(PowerPointDocument.isEncrypted(currentUser: data))
    }

    /// MS-OVBA decompression, then the `dir` stream parser on its output.
    static func vba(_ data: [UInt8]) {
        guard let plain = try? VBACompression.decompress(data[...], limit: 1 << 20) else { return }
        blackHole(try? VBADirectory(decompressed: plain))
        blackHole(MacroSourceScan(source: String(decoding: plain, as: UTF8.self)))
    }

    /// The whole inspector, then the disarmer on whatever it found.
    static func inspector(_ data: [UInt8]) {
        let inspection = MacroInspector().inspect(data)
        if inspection.hasActiveContent {
            blackHole(try? MacroDisarmer().disarm(data, inspection: inspection))
        }
    }
}
