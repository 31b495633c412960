/// An `SMFIM_*` protocol stage, used to ask the MTA for a list of macros at that stage.
///
/// A struct rather than an enum because the MTA side must be able to decode a stage number
/// it does not know. The numbering is frozen by the protocol (EOM 5 comes before EOH 6).
public struct MilterMacroStage: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// `SMFIM_CONNECT` (0).
    public static let connect = MilterMacroStage(rawValue: 0)
    /// `SMFIM_HELO` (1).
    public static let helo = MilterMacroStage(rawValue: 1)
    /// `SMFIM_ENVFROM` (2).
    public static let envelopeFrom = MilterMacroStage(rawValue: 2)
    /// `SMFIM_ENVRCPT` (3).
    public static let envelopeRecipient = MilterMacroStage(rawValue: 3)
    /// `SMFIM_DATA` (4).
    public static let data = MilterMacroStage(rawValue: 4)
    /// `SMFIM_EOM` (5).
    public static let endOfMessage = MilterMacroStage(rawValue: 5)
    /// `SMFIM_EOH` (6).
    public static let endOfHeaders = MilterMacroStage(rawValue: 6)

    public var description: String {
        switch self {
        case .connect: "connect"
        case .helo: "helo"
        case .envelopeFrom: "envfrom"
        case .envelopeRecipient: "envrcpt"
        case .data: "data"
        case .endOfMessage: "eom"
        case .endOfHeaders: "eoh"
        default: "stage(\(rawValue))"
        }
    }
}
