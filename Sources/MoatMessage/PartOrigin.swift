/// Where a part came from.
///
/// `.uuencoded` parts were extracted from a `begin <mode> <name>` block inside a text body (or a
/// uuencode-encoded body); they have no headers of their own.
public enum PartOrigin: Sendable, Hashable {
    case mime, uuencoded
}
