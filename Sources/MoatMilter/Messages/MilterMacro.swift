/// One macro (Sendmail "symbol") sent by the MTA: a name and its raw value.
///
/// MTAs spell one-letter names bare (`i`) and longer ones in braces (`{daemon_name}`), and a
/// filter must find `i` and `{i}` alike, so the name is stored in canonical form: without
/// braces. The encoder puts braces back on names longer than one character.
public struct MilterMacro: Hashable, Sendable {
    /// The canonical name, without braces (`i`, `daemon_name`).
    public let name: String
    /// The value as sent: bytes, because macro values can carry client-supplied text.
    public var value: [UInt8]

    /// Creates a macro, normalising `name` to its canonical form.
    public init(name: String, value: [UInt8]) {
        self.name = MilterMacro.canonicalName(name)
        self.value = value
    }

    /// Creates a macro with a textual value.
    public init(name: String, value: String) {
        self.init(name: name, value: Array(value.utf8))
    }

    /// The name without surrounding braces, so `{i}` and `i` compare equal.
    public static func canonicalName(_ name: String) -> String {
        if name.count >= 2, name.hasPrefix("{"), name.hasSuffix("}") {
            return String(name.dropFirst().dropLast())
        }
        return name
    }

    /// The name as MTAs spell it on the wire: bare for one letter, braced otherwise.
    public static func wireName(_ name: String) -> String {
        let canonical = canonicalName(name)
        return canonical.count <= 1 ? canonical : "{\(canonical)}"
    }
}
