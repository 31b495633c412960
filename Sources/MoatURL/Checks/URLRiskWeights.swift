/// The score each URL check adds, once per message (options `[options.weights]`).
public struct URLRiskWeights: Sendable, Hashable {
    /// Default weights by check name (the finding code without `url.`).
    public static let defaults: [String: Double] = [
        "blocklisted": 10,
        "mixed_script": 6,
        "brand_lookalike": 6,
        "brand_embedded": 4,
        "userinfo": 4,
        "anchor_mismatch": 4,
        "anchor_mention": 1,
        "anchor_tracked": 0,
        "executable_link": 4,
        "obfuscated_ip": 4,
        "ip_host": 2,
        "qr_only": 3,
        "zero_width": 3,
        "dot_lookalike": 3,
        "percent_encoded_host": 2,
        "compatibility_characters": 2,
        "backslashes": 2,
        "archive_link": 2,
        "shortener": 1,
        "redirector": 1,
        "internationalized": 0.5,
        "defanged": 0.5,
        "port": 0.5,
    ]

    public var values: [String: Double]

    public init(_ overrides: [String: Double] = [:]) {
        values = Self.defaults.merging(overrides) { _, new in new }
    }

    public subscript(_ check: String) -> Double { values[check] ?? 0 }
}
