/// A main-part content type with macros and its macro-free counterpart.
public struct MainPartType: Sendable, Hashable {
    public var macroType: String
    public var freeType: String?
    /// Extension and MIME type of the macro-free file.
    public var freeExtension: String?
    public var freeMediaType: String?

    static let all: [MainPartType] = {
        let w = "application/vnd.openxmlformats-officedocument.wordprocessingml"
        let s = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        let p = "application/vnd.openxmlformats-officedocument.presentationml"
        return [
            .init(macroType: "application/vnd.ms-word.document.macroEnabled.main+xml", freeType: "\(w).document.main+xml", freeExtension: "docx", freeMediaType: "\(w).document"),
            .init(macroType: "application/vnd.ms-word.template.macroEnabledTemplate.main+xml", freeType: "\(w).template.main+xml", freeExtension: "dotx", freeMediaType: "\(w).template"),
            .init(macroType: "application/vnd.ms-excel.sheet.macroEnabled.main+xml", freeType: "\(s).sheet.main+xml", freeExtension: "xlsx", freeMediaType: "\(s).sheet"),
            .init(macroType: "application/vnd.ms-excel.template.macroEnabled.main+xml", freeType: "\(s).template.main+xml", freeExtension: "xltx", freeMediaType: "\(s).template"),
            .init(macroType: "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml", freeType: "\(p).presentation.main+xml", freeExtension: "pptx", freeMediaType: "\(p).presentation"),
            .init(macroType: "application/vnd.ms-powerpoint.template.macroEnabled.main+xml", freeType: "\(p).template.main+xml", freeExtension: "potx", freeMediaType: "\(p).template"),
            .init(macroType: "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml", freeType: "\(p).slideshow.main+xml", freeExtension: "ppsx", freeMediaType: "\(p).slideshow"),
            .init(macroType: "application/vnd.ms-excel.addin.macroEnabled.main+xml", freeType: nil, freeExtension: nil, freeMediaType: nil),
            .init(macroType: "application/vnd.ms-powerpoint.addin.macroEnabled.main+xml", freeType: nil, freeExtension: nil, freeMediaType: nil),
            // A binary workbook keeps its content type with or without a project (there is no
            // macro-free type for .xlsb): without vbaProject.bin it is an ordinary workbook.
            .init(macroType: "application/vnd.ms-excel.sheet.binary.macroEnabled.main", freeType: "application/vnd.ms-excel.sheet.binary.macroEnabled.main",
                  freeExtension: "xlsb", freeMediaType: "application/vnd.ms-excel.sheet.binary.macroEnabled.12"),
            .init(macroType: "application/vnd.ms-visio.drawing.macroEnabled.main+xml", freeType: "application/vnd.ms-visio.drawing.main+xml",
                  freeExtension: "vsdx", freeMediaType: "application/vnd.ms-visio.drawing"),
            .init(macroType: "application/vnd.ms-visio.template.macroEnabled.main+xml", freeType: "application/vnd.ms-visio.template.main+xml",
                  freeExtension: "vstx", freeMediaType: "application/vnd.ms-visio.template"),
            .init(macroType: "application/vnd.ms-visio.stencil.macroEnabled.main+xml", freeType: "application/vnd.ms-visio.stencil.main+xml",
                  freeExtension: "vssx", freeMediaType: "application/vnd.ms-visio.stencil"),
        ]
    }()

    static let byType: [String: MainPartType] = Dictionary(all.map { ($0.macroType, $0) }, uniquingKeysWith: { a, _ in a })
    /// Documents that are already macro-free by type still need the project removed.
    static let byFreeType: [String: MainPartType] = Dictionary(
        all.compactMap { t in t.freeType.map { ($0, MainPartType(macroType: $0, freeType: $0, freeExtension: t.freeExtension, freeMediaType: t.freeMediaType)) } },
        uniquingKeysWith: { a, _ in a })
}
