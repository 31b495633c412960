/// Whether an engine votes, only runs and is recorded (shadow), or does not run at all.
public enum EngineState: String, Sendable, Hashable, Codable, CaseIterable {
    case active
    case shadow
    case disabled
}
