import MoatCore

/// `[outbound.hold]`: outbound mail kept in the MTA's hold queue for a while, so a sender who
/// notices a mistake (wrong recipient, wrong attachment) can recall it before it leaves.
///
/// The hold is the MTA's own (milter `QUARANTINE`): the message is safe in its queue whatever
/// happens to `moatd`, and Moat releases it with `release_command` when the delay ends, or deletes
/// it with `delete_command` when it is recalled.
public struct SendHoldSettings: Sendable, Hashable, Codable {
    /// Delay for every outbound message (0: no send-hold unless `delays` names the sender).
    public var delaySeconds: Double = 0
    /// Delay per sender address or per sender domain (`"alice@example.com" = 60`,
    /// `"example.com" = 300`); an address wins over its domain, a domain over `delay_seconds`.
    public var delays: [String: Double] = [:]
    /// Delay for a message a mis-send guard holds, when the sender has no send-hold of its own.
    public var guardDelaySeconds: Double = 600
    /// Releases a held message to delivery; `{queue_id}` is the MTA's queue id.
    public var releaseCommand = ["/usr/sbin/postsuper", "-H", "{queue_id}"]
    /// Run after a release so the message leaves now rather than at the MTA's next queue run
    /// (Postfix moves a released message to its deferred queue); empty: not run.
    public var flushCommand = ["/usr/sbin/postqueue", "-i", "{queue_id}"]
    /// Deletes a recalled message from the hold queue.
    public var deleteCommand = ["/usr/sbin/postsuper", "-d", "{queue_id}", "hold"]
    /// Tells the sender a message is held and how to recall it: the sender's address is appended
    /// and the notice is its standard input (e.g. `["/usr/sbin/sendmail", "-f", "<>", "-i"]`);
    /// empty: no notice (operators recall through the admin API).
    public var noticeCommand: [String] = []
    /// The notice's From.
    public var noticeFrom = "postmaster"
    /// Where the recall is posted (`{id}` is the held message's id), written in the notice.
    public var recallURL = "http://127.0.0.1:7358/outbound/held/{id}/recall"
    /// Seconds a release, delete or notice command may take.
    public var commandTimeoutSeconds: Double = 30
    /// How often due messages are looked for.
    public var checkIntervalSeconds: Double = 1

    public init() {}

    /// The send-hold delay for `sender` (0: not held).
    public func delay(for sender: String?) -> Double {
        guard let sender = sender?.lowercased() else { return delaySeconds }
        if let own = delays.first(where: { $0.key.lowercased() == sender })?.value { return own }
        if let at = sender.lastIndex(of: "@") {
            let domain = String(sender[sender.index(after: at)...])
            if let domainDelay = delays.first(where: { $0.key.lowercased() == domain })?.value { return domainDelay }
        }
        return delaySeconds
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case delays
        case delaySeconds = "delay_seconds"
        case guardDelaySeconds = "guard_delay_seconds"
        case releaseCommand = "release_command"
        case flushCommand = "flush_command"
        case deleteCommand = "delete_command"
        case noticeCommand = "notice_command"
        case noticeFrom = "notice_from"
        case recallURL = "recall_url"
        case commandTimeoutSeconds = "command_timeout_seconds"
        case checkIntervalSeconds = "check_interval_seconds"
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SendHoldSettings()
        delaySeconds = try c.decodeIfPresent(Double.self, forKey: .delaySeconds) ?? d.delaySeconds
        delays = try c.decodeIfPresent([String: Double].self, forKey: .delays) ?? d.delays
        guardDelaySeconds = try c.decodeIfPresent(Double.self, forKey: .guardDelaySeconds) ?? d.guardDelaySeconds
        releaseCommand = try c.decodeIfPresent([String].self, forKey: .releaseCommand) ?? d.releaseCommand
        flushCommand = try c.decodeIfPresent([String].self, forKey: .flushCommand) ?? d.flushCommand
        deleteCommand = try c.decodeIfPresent([String].self, forKey: .deleteCommand) ?? d.deleteCommand
        noticeCommand = try c.decodeIfPresent([String].self, forKey: .noticeCommand) ?? d.noticeCommand
        noticeFrom = try c.decodeIfPresent(String.self, forKey: .noticeFrom) ?? d.noticeFrom
        recallURL = try c.decodeIfPresent(String.self, forKey: .recallURL) ?? d.recallURL
        commandTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .commandTimeoutSeconds) ?? d.commandTimeoutSeconds
        checkIntervalSeconds = try c.decodeIfPresent(Double.self, forKey: .checkIntervalSeconds) ?? d.checkIntervalSeconds
        let year = 366.0 * 86_400
        guard ([delaySeconds, guardDelaySeconds] + delays.values).allSatisfy({ $0 >= 0 && $0 <= year }) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "delays must be between 0 and 31622400 seconds (a year)"))
        }
        guard !releaseCommand.isEmpty, !deleteCommand.isEmpty else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "release_command and delete_command must name a program"))
        }
        // Both become whole milliseconds (a Duration, a sleep): 1e300 seconds trapped there.
        guard (0.0...86_400).contains(commandTimeoutSeconds), commandTimeoutSeconds > 0,
              (0.0...86_400).contains(checkIntervalSeconds), checkIntervalSeconds > 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "command_timeout_seconds and check_interval_seconds must be above 0 and at most 86400"))
        }
    }
}
