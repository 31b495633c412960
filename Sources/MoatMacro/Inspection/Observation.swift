/// What the inspector saw in one document (or in one member of an archive).
public struct Observation: Sendable, Hashable {
    /// What was found.
    public enum Kind: Sendable, Hashable {
        /// A VBA project: module names, auto-run entry points, suspicious calls.
        case vba(modules: [String], autoExec: [String], suspicious: [String])
        /// Excel 4.0 macro sheets.
        case xlm(sheets: [String])
        /// An OLE object embedded in RTF.
        case rtfObject(className: String)
        /// Content that cannot be inspected because it is encrypted.
        case encrypted(reason: String)
        /// A container that could not be parsed.
        case malformed(reason: String)
        /// A document nested deeper than the inspector follows, left uninspected.
        case nestingLimit(depth: Int)
    }

    public var kind: Kind
    /// Where inside the attachment: `""` for the file itself, else a zip member, storage path or object.
    public var location: String
}
