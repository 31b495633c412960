import Foundation
import MoatAdmin
import Synchronization

/// The console's sessions, in memory: a restart signs everyone out, which is the safe default for
/// a gateway's console. Sessions end when idle too long, when too old, or at sign-out.
public final class ConsoleSessions: Sendable {
    public let settings: ConsoleSettings
    private let now: @Sendable () -> Date
    private let sessions = Mutex<[String: ConsoleSession]>([:])
    private let failures = Mutex<(minute: Int, count: Int)>((0, 0))

    /// `now` is injectable so tests can age sessions without waiting.
    public init(settings: ConsoleSettings, now: @escaping @Sendable () -> Date = Date.init) {
        self.settings = settings
        self.now = now
    }

    /// A new session for `caller`; the least recently used session goes when there are too many.
    public func create(caller: AdminCaller, name: String) -> ConsoleSession {
        let time = now()
        let label = Self.cleanName(name)
        let session = ConsoleSession(
            id: Self.randomToken(), caller: caller, actor: caller.actor("console:\(label)"), csrf: Self.randomToken(),
            created: time, lastSeen: time
        )
        sessions.withLock { sessions in
            sessions = sessions.filter { isLive($0.value, at: time) }
            while sessions.count >= settings.maxSessions, let oldest = sessions.values.min(by: { $0.lastSeen < $1.lastSeen }) {
                sessions.removeValue(forKey: oldest.id)
            }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session with this cookie value, marked as used now; nil when unknown or expired.
    public func session(_ id: String?) -> ConsoleSession? {
        guard let id, !id.isEmpty else { return nil }
        let time = now()
        return sessions.withLock { sessions in
            guard var session = sessions[id] else { return nil }
            guard isLive(session, at: time) else {
                sessions.removeValue(forKey: id)
                return nil
            }
            session.lastSeen = time
            sessions[id] = session
            return session
        }
    }

    public func end(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    public var count: Int { sessions.withLock { $0.count } }

    /// Counts a failed sign-in; false once the minute's allowance is used up.
    public func recordFailure() -> Bool {
        let minute = Int(now().timeIntervalSince1970 / 60)
        return failures.withLock { state in
            if state.minute != minute { state = (minute, 0) }
            state.count += 1
            return state.count <= settings.signInAttemptsPerMinute
        }
    }

    /// Whether sign-in is refused for the rest of this minute.
    public var signInBlocked: Bool {
        let minute = Int(now().timeIntervalSince1970 / 60)
        return failures.withLock { $0.minute == minute && $0.count >= settings.signInAttemptsPerMinute }
    }

    private func isLive(_ session: ConsoleSession, at time: Date) -> Bool {
        time.timeIntervalSince(session.lastSeen) < Double(settings.sessionIdleSeconds)
            && time.timeIntervalSince(session.created) < Double(settings.sessionLifetimeSeconds)
    }

    /// 256 random bits as base64url without padding.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// A display name safe to record: letters, digits, `.`, `_`, `-`, `@`, at most 64; `operator` if empty.
    static func cleanName(_ name: String) -> String {
        let kept = name.unicodeScalars.filter { scalar in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".-_@".unicodeScalars.contains(scalar)
        }
        let text = String(String.UnicodeScalarView(kept.prefix(64)))
        return text.isEmpty ? "operator" : text
    }

    /// Compares two tokens without an early exit (the admin token's own check); an empty token never matches.
    static func equal(_ given: String, _ expected: String) -> Bool {
        !expected.isEmpty && AdminToken(value: expected).matches(given)
    }
}
