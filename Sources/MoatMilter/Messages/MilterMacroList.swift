/// A list of macro names the filter wants at one stage, sent in its OPTNEG reply.
///
/// Postfix replaces its own list for that stage with this one, so a list must name every
/// macro the filter needs there.
public struct MilterMacroList: Hashable, Sendable {
    /// The stage the list applies to.
    public var stage: MilterMacroStage
    /// Space-separated macro names as sent on the wire, e.g. `i {mail_addr}`.
    public var names: String

    public init(stage: MilterMacroStage, names: String) {
        self.stage = stage
        self.names = names
    }

    /// What Moat asks for: queue id, envelope addresses, client and daemon names.
    public static let moatDefault: [MilterMacroList] = [
        MilterMacroList(stage: .connect, names: "j _ {daemon_name} {client_addr} {client_name}"),
        MilterMacroList(stage: .envelopeFrom, names: "i {mail_addr} {auth_authen} {auth_type}"),
        MilterMacroList(stage: .envelopeRecipient, names: "i {rcpt_addr}"),
        MilterMacroList(stage: .data, names: "i"),
        MilterMacroList(stage: .endOfHeaders, names: "i"),
        MilterMacroList(stage: .endOfMessage, names: "i"),
    ]
}
