import Foundation
import MoatCore

/// What one node tells the others on the `moat_cluster` channel. Small (PostgreSQL limits a
/// notification to 8,000 bytes): the store holds the full records, a message only says what changed.
struct ClusterMessage: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable {
        case state
        case feedback
        /// Tenants were created, changed or deleted: read them again from the store.
        case tenants
        /// A learned store (Bayes) changed: copy the shared counts.
        case learning
    }

    var node: String
    var kind: Kind
    var change: StateChange?
    var feedback: Feedback?

    static func encode(_ message: ClusterMessage) -> String? {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        guard let data = try? encoder.encode(message), data.count < 7_900 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ payload: String) -> ClusterMessage? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try? decoder.decode(ClusterMessage.self, from: Data(payload.utf8))
    }
}
