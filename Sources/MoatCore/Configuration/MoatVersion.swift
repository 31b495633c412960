/// The version each node reports to the cluster (`moat cluster status` shows mixed versions
/// during a rolling upgrade).
public enum MoatVersion {
    public static let current = "0.9.0"
}
