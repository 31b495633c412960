import MoatCore
import MoatMessage

/// Per-message facts that several rules and evals share and that cost a parse: the relay trust
/// path (every Received header parsed) and the envelope sender derived from it. Computed on first
/// use, once per message, then cached: one scan evaluates hundreds of rules against them.
final class MessageMetadata: Sendable {
    let message: Message
    let envelope: Envelope
    private let relayMemo = SharedValue<RelayPath>()
    private let envelopeFromMemo = SharedValue<String?>()
    private let dateShiftMemo = SharedValue<Double>()
    private let alternativeMemo = SharedValue<AlternativeDifference>()
    /// Room for the stock rules' hundred-odd selectors from the start: growing from empty
    /// rehashed the table six times per message.
    private let headerTexts = SharedTable<HeaderSelector, String?>(minimumCapacity: 256)
    private let htmlRenderings = SharedTable<String, HTMLRendering>()
    /// Parsed address lists by header value: the `:addr` and `:name` selectors of one header and
    /// the envelope-sender guess each parsed the same value again.
    private let addressLists = SharedTable<String, [(String?, String)]>()
    private let headerIndex = SharedValue<[String: [HeaderField]]>()
    /// Evals' own per-message facts (HeaderEvals): the Received trail as one text, raw and with
    /// spaces collapsed; whether a list manager dropped the trail; the Hotmail verdict.
    let receivedText = SharedValue<String>()
    let collapsedReceivedText = SharedValue<String>()
    let gatedThroughReceivedRemover = SharedValue<Bool>()
    let hotmailTrail = SharedValue<HeaderEvals.HotmailTrail>()
    /// The free mail addresses of the body (`FreeMailEvals.bodyFreemails`), which two or three
    /// FreeMail evals ask for: each search runs three regexes over every body line.
    let bodyFreemails = SharedValue<[String]?>()
    /// `all_from_addrs` (`FreeMailEvals.allFromAddresses`), which every `check_freemail_from` rule
    /// asked for again: five selectors parsed and read, their addresses lower-cased and deduplicated.
    let allFromAddresses = SharedValue<[String]>()
    /// FreeMail's `get("NAME:addr")` lists by header name (`FreeMailEvals.addresses`): the From,
    /// Reply-To and `check_freemail_header` rules' headers, each read by several evals.
    let freemailAddresses = SharedTable<String, [String]>()
    /// MIMEEval's part facts (`MIMEFacts`), which a dozen `check_for_mime*` rules ask for: each
    /// walked every part again, and split every base64 body into lines.
    let mimeFacts = SharedValue<MIMEFacts>()
    /// The line lengths of the base64 bodies, which each `check_base64_length` rule split again.
    let base64LineLengths = SharedValue<Set<Int>>()
    /// The rendered body's length, letters and capitals, which three `check_for_uppercase` rules
    /// each counted again.
    let bodyLetters = SharedValue<EvalLibrary.BodyLetters>()
    /// The raw body's numeric character references and characters (`check_abundant_unicode_ratio`).
    let numericEntities = SharedValue<(Int, Int)>()

    /// The relay path when the caller already parsed it (the DNS list pre-pass), else parsed here.
    private let knownRelays: RelayPath?

    init(message: Message, envelope: Envelope, relays: RelayPath? = nil) {
        self.message = message
        self.envelope = envelope
        knownRelays = relays
    }

    var relays: RelayPath {
        relayMemo.value { knownRelays ?? RelayPath(headers: message.headers) }
    }

    /// Seconds the Date header is ahead of the nearest Received time (`HeaderEvals.dateDifference`),
    /// which six DATE_IN_FUTURE/PAST rules each ask for.
    var dateShift: Double {
        dateShiftMemo.value { HeaderEvals.dateDifference(message) }
    }

    /// The message's header fields named `name` (case-insensitive), in order: what
    /// `HeaderList.all` answers, from an index built once per message instead of a scan of every
    /// field per name. Names outside ASCII (never valid field names) take the scan.
    func headerFields(named name: String) -> [HeaderField] {
        guard name.utf8.allSatisfy({ $0 < 0x80 }) else { return message.headers.all(name) }
        return fieldIndex[name.lowercased()] ?? []
    }

    /// The lower-cased names of the message's ASCII-named fields, each once: a scan marks the
    /// header selectors present from these instead of asking the index once per rule.
    var lowercasedFieldNames: Dictionary<String, [HeaderField]>.Keys { fieldIndex.keys }

    private var fieldIndex: [String: [HeaderField]] {
        headerIndex.value {
            var index: [String: [HeaderField]] = [:]
            for field in message.headers where field.name.utf8.allSatisfy({ $0 < 0x80 }) {
                index[field.name.lowercased(), default: []].append(field)
            }
            return index
        }
    }

    /// An HTML part's rendering, by part path: the body rules and the alternative-part evals read
    /// the same rendering, which used to be made twice.
    func htmlRendering(of part: MessagePart) -> HTMLRendering {
        htmlRenderings.value(for: part.path) { HTMLRendering(part.text ?? "") }
    }

    /// A header selector's text (`RuleSubjects.headerText`), built on first use.
    func headerText(_ selector: HeaderSelector, _ compute: () -> String?) -> String? {
        headerTexts.value(for: selector, compute)
    }

    /// How the halves of `multipart/alternative` parts differ (renders their HTML again), which the
    /// MPART_ALT_DIFF rules each ask for.
    var alternativeDifference: AlternativeDifference {
        alternativeMemo.value { AlternativeDifference(message, rendering: htmlRendering(of:)) }
    }

    /// The SMTP `MAIL FROM`: the MTA's when Moat has it, else SpamAssassin's guess from the
    /// message (`get_envelope_from`); nil when nothing usable.
    var envelopeFrom: String? {
        envelopeFromMemo.value { envelope.mailFrom ?? guessEnvelopeFrom() }
    }

    /// `PerMsgStatus::get_envelope_from` with no `envelope_sender_header` configured: the
    /// envelope sender the last untrusted relay (or first trusted one) recorded; else X-Envelope-From,
    /// Envelope-Sender or Return-Path, each only when no Received header precedes it (a list or
    /// forwarder may have changed the envelope since it was written).
    private func guessEnvelopeFrom() -> String? {
        let path = relays
        if let hop = path.untrusted.first ?? path.trusted.last, let from = hop.envfrom {
            if from.isEmpty { return from }
            if let at = from.firstIndex(of: "@"), at > from.startIndex { return from }
        }
        let headers = message.headers
        if let sender = firstAddress("X-Sender"), sender.contains("@"),
           headers.all("Received").contains(where: { String(decoding: $0.rawValue, as: UTF8.self).contains("(fetchmail") }) {
            return nil
        }
        if let from = firstAddress("X-Envelope-From") {
            return receivedPrecedes("X-Envelope-From") ? nil : from
        }
        for name in ["Envelope-Sender", "Return-Path"] {
            if let from = firstAddress(name), !receivedPrecedes(name) { return from }
        }
        return nil
    }

    /// `get("NAME:first:addr")`: the first address of the first such header.
    private func firstAddress(_ name: String) -> String? {
        guard let field = message.headers.first(name) else { return nil }
        return addresses(in: field.value).first?.1
    }

    /// `RuleSubjects.parseAddresses(value)`, parsed once per message and value.
    func addresses(in value: String) -> [(String?, String)] {
        addressLists.value(for: value) { RuleSubjects.parseAddresses(value) }
    }

    /// Whether a Received header comes before some `name` header (`ALL =~ /^Received:.*?^NAME:/smi`).
    private func receivedPrecedes(_ name: String) -> Bool {
        let lower = name.lowercased()
        guard let received = message.headers.firstIndex(where: { $0.name.lowercased() == "received" }) else { return false }
        return message.headers[received...].contains { $0.name.lowercased() == lower }
    }
}
