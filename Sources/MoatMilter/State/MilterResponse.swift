/// The upper layer's answer to a scanned message, in protocol terms.
///
/// ``MilterSessionStateMachine/scanFinished(_:)`` turns it into EOM replies: edits the MTA
/// agreed to, then quarantine, then exactly one final reply.
public struct MilterResponse: Hashable, Sendable {
    /// A header to append.
    public struct HeaderAddition: Hashable, Sendable {
        public var name: String
        /// The value without leading space; folded lines may use CRLF or LF (converted to LF + tab).
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// A change to an existing header.
    public struct HeaderChange: Hashable, Sendable {
        public var name: String
        /// 1-based among headers with this name (case-insensitive).
        public var index: UInt32
        /// The new value; empty deletes the header.
        public var value: String

        public init(name: String, index: UInt32, value: String) {
            self.name = name
            self.index = index
            self.value = value
        }
    }

    /// The final verdict for the message.
    public enum Disposition: Hashable, Sendable {
        /// Deliver; stop filtering this message.
        case accept
        /// Deliver (same effect as accept at end of message).
        case `continue`
        /// Refuse permanently, with an optional `5xx x.y.z text` reply.
        case reject(replyCode: String?)
        /// Refuse temporarily, with an optional `4xx x.y.z text` reply.
        case tempfail(replyCode: String?)
        /// Accept and silently drop.
        case discard
    }

    public var headersToAdd: [HeaderAddition]
    public var headersToChange: [HeaderChange]
    /// The whole new body (CRLF lines), or nil to keep it.
    public var replacementBody: [UInt8]?
    /// Put the message on hold with this reason.
    public var quarantineReason: String?
    public var disposition: Disposition
    /// Recipients to remove (as the MTA sent them), for tenants that refuse what others keep.
    public var recipientsToDelete: [String] = []
    /// The whole message's answer when the MTA did not grant recipient deletion: nothing is
    /// delivered to a recipient whose tenant refused it, so the message is refused for all.
    public var dispositionWithoutRecipientDeletion: Disposition = .reject(replyCode: nil)
    /// Told to the sender once the removal really happened (the MTA granted DELRCPT).
    var removalNotice: RemovalNotice?

    public init(
        disposition: Disposition = .accept,
        headersToAdd: [HeaderAddition] = [],
        headersToChange: [HeaderChange] = [],
        replacementBody: [UInt8]? = nil,
        quarantineReason: String? = nil
    ) {
        self.disposition = disposition
        self.headersToAdd = headersToAdd
        self.headersToChange = headersToChange
        self.replacementBody = replacementBody
        self.quarantineReason = quarantineReason
    }
}
