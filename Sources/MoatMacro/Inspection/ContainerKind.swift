/// The document's container format, decided by content, never by name.
public enum ContainerKind: String, Sendable, Hashable {
    case compoundFile = "OLE"
    case officeOpenXML = "OOXML"
    case rtf = "RTF"
    case sylk = "SLK"
    case zip = "ZIP"
    case other
}
