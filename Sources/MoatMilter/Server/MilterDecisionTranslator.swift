import MoatCore
import MoatMessage

/// Turns a `Decision` into milter terms: header edits, a replacement body, the final reply.
///
/// Pure, so the mapping is tested without sockets. Incoming headers that carry Moat's own prefix are
/// deleted before Moat adds its own, so a sender cannot forge a verdict for the recipient's filters.
public struct MilterDecisionTranslator: Sendable {
    public var headerPrefix: String

    public init(headerPrefix: String) {
        self.headerPrefix = headerPrefix
    }

    /// The response for `decision` on `message` (the assembled raw message whose body starts at `bodyOffset`).
    /// `recipients` are the RCPT arguments as the MTA sent them: removed recipients are named
    /// back to it in its own form.
    public func response(for decision: Decision, message: Message?, bodyOffset: Int, incomingHeaders: [MilterHeader],
                         recipients: [MilterEnvelopeAddress] = []) -> MilterResponse {
        var response = MilterResponse(disposition: Self.disposition(decision.action, reply: decision.smtpReply))
        guard decision.action <= .quarantine else { return response }
        if !decision.removedRecipients.isEmpty {
            let removed = Set(decision.removedRecipients.map { $0.lowercased() })
            response.recipientsToDelete = recipients.filter { removed.contains($0.mailbox.lowercased()) }
                .map { String(decoding: $0.address, as: UTF8.self) }
            response.dispositionWithoutRecipientDeletion = .reject(replyCode: decision.removalReply)
        }

        let prefix = headerPrefix.lowercased() + "-"
        // RFC 8601 5: Authentication-Results that claim to come from this gateway (its authserv-id)
        // but arrive with the message are forged, and are removed before the real one is added.
        let ownAuthservIDs = Set(decision.headers.filter { $0.name.lowercased() == "authentication-results" }
            .compactMap { Self.authservID($0.value) })
        // Instances are counted per name, and only names that can be removed need counting.
        var seen: [String: UInt32] = [:]
        for header in incomingHeaders {
            let lowered = header.name.lowercased()
            let isAuthenticationResults = lowered == "authentication-results"
            guard isAuthenticationResults || lowered.hasPrefix(prefix) else { continue }
            let index = (seen[lowered] ?? 0) + 1
            seen[lowered] = index
            let forged = isAuthenticationResults
                && Self.authservID(String(decoding: header.value, as: UTF8.self)).map(ownAuthservIDs.contains) == true
            if lowered.hasPrefix(prefix) || forged {
                response.headersToChange.append(.init(name: header.name, index: index, value: ""))
            }
        }
        // CHGHEADER indexes count instances of one name; delete from the last so earlier indexes stay valid.
        response.headersToChange.reverse()
        response.headersToAdd = decision.headers.map { .init(name: $0.name, value: $0.value) }
        // A send-hold keeps delivered mail in the same hold queue until Moat releases it.
        response.quarantineReason = decision.action == .quarantine ? decision.quarantineReason
            : decision.action <= .tag ? decision.hold?.reason : nil

        if let message, !decision.replacements.isEmpty {
            var replacements: [String: [UInt8]] = [:]
            for replacement in decision.replacements where !replacement.partPath.isEmpty {
                replacements[replacement.partPath] = replacement.rawPart
            }
            if !replacements.isEmpty {
                let rewritten = message.replacingParts(replacements)
                if rewritten.count >= bodyOffset, rewritten[..<bodyOffset].elementsEqual(message.raw[..<bodyOffset]) {
                    response.replacementBody = Array(rewritten[bodyOffset...])
                }
            }
        }
        return response
    }

    /// The authserv-id of an `Authentication-Results` value: the first token, before any version
    /// number or `;`, lower-cased (RFC 8601 2.2); comments in parentheses are skipped.
    static func authservID(_ value: String) -> String? {
        var text = Substring(value)
        while let open = text.firstIndex(of: "("), let close = text[open...].firstIndex(of: ")") {
            text = text[..<open] + " " + text[text.index(after: close)...]
        }
        let token = text.split(whereSeparator: { $0 == ";" || $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }).first
        return token.map { $0.lowercased() }
    }

    /// The final reply for an action (with the policy's reply text for reject and tempfail).
    public static func disposition(_ action: Action, reply: String?) -> MilterResponse.Disposition {
        switch action {
        case .accept, .tag, .quarantine: .accept
        case .tempfail: .tempfail(replyCode: reply)
        case .reject: .reject(replyCode: reply)
        case .discard: .discard
        }
    }
}
