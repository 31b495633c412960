/// The result of inspecting one attachment.
public struct Inspection: Sendable, Hashable {
    public var container: ContainerKind
    public var observations: [Observation]

    public var hasVBA: Bool { observations.contains { if case .vba = $0.kind { true } else { false } } }
    public var hasXLM: Bool { observations.contains { if case .xlm = $0.kind { true } else { false } } }
    public var hasRTFObjects: Bool { observations.contains { if case .rtfObject = $0.kind { true } else { false } } }
    public var isEncrypted: Bool { observations.contains { if case .encrypted = $0.kind { true } else { false } } }
    public var isMalformed: Bool { observations.contains { if case .malformed = $0.kind { true } else { false } } }
    /// Whether anything executable (or uninspectable) was found.
    public var hasActiveContent: Bool { hasVBA || hasXLM || hasRTFObjects }
}
