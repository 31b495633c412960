import Foundation
import MoatAdmin

/// One signed-in browser: who it acts as, the name recorded with its changes, and the token its
/// forms must carry.
public struct ConsoleSession: Sendable, Hashable {
    /// The cookie value: 256 random bits, base64url.
    public var id: String
    public var caller: AdminCaller
    /// Recorded as the actor of every change made in this session (`console:NAME`, qualified by
    /// the tenant for tenant operators).
    public var actor: String
    /// The CSRF token every state-changing form of this session carries.
    public var csrf: String
    public var created: Date
    public var lastSeen: Date
}
