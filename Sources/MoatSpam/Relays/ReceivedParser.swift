/// Reads one Received header into a `Relay`, following SpamAssassin's `parse_received_line`
/// format by format and in the same order, so the relay strings the stock rules match
/// (`X-Spam-Relays-*`) come out as SpamAssassin makes them.
enum ReceivedParser {
    /// What one header yielded.
    enum Outcome: Equatable {
        case relay(Relay)
        /// A header SpamAssassin ignores on purpose (local handovers, non-TCP hops).
        case skipped
        /// A POP/IMAP fetcher's header (fetchmail, getmail): the trust path restarts after it.
        case fetcherMarker
        /// qmail-scanner's line: its envelope sender belongs to the next (older) handover.
        case qmailScanner(envfrom: String?)
        /// Could not be read.
        case unparseable
    }

    // MARK: Address patterns (SpamAssassin's Constants.pm)

    private static let octet = #"(?:1\d\d|2[0-4]\d|25[0-5]|[1-9]\d|\d)"#
    private static let ipv4 = "\(octet)\\.\(octet)\\.\(octet)\\.\(octet)"
    private static let hex = "[a-f0-9]{1,4}"
    /// `IP_ADDRESS`: IPv4, IPv4-mapped IPv6, or IPv6 (optionally `IPv6:`-prefixed).
    static let ipAddress = "(?i:\\b(?<!:)\(ipv4)\\b|(?:IPv6:|(?<![a-f0-9:]))(?:(?:(?:\(hex):){6}|::(?:\(hex):){0,5}|(?:\(hex):){1,5}:|\(hex)::(?:\(hex):){1,4}|(?:\(hex):){2}:(?:\(hex):){1,3}|(?:\(hex):){3}:(?:\(hex):){1,2}|(?:\(hex):){4}:\(hex):)\(ipv4)|(?:\(hex):){7}\(hex)|:(?::\(hex)){1,7}|(?:\(hex):){1,7}:|\(hex):(?::\(hex)){1,6}|(?:\(hex):){2}(?::\(hex)){1,5}|(?:\(hex):){3}(?::\(hex)){1,4}|(?:\(hex):){4}(?::\(hex)){1,3}|(?:\(hex):){5}(?::\(hex)){1,2}|(?:\(hex):){6}:\(hex)|::)(?![a-f0-9:]))"
    private static let mapped = "(?:(?:0{1,4}:){5}ffff:|::(?:0{1,4}:){0,4}ffff:|(?:0{1,4}:){1,4}:ffff:|0{1,4}::(?:0{1,4}:){1,3}ffff:|(?:0{1,4}:){2}:0{1,2}:ffff:|(?:0{1,4}:){3}:0:ffff:|(?:0{1,4}:){4}:ffff:)"
    private static let loopback6 = "(?:0{1,4}:){7}0{0,3}1|:(?::0{1,4}){0,6}:0{0,3}1|0{1,4}:(?::0{1,4}){0,5}:0{0,3}1|(?:0{1,4}:){2}(?::0{1,4}){0,4}:0{0,3}1|(?:0{1,4}:){3}(?::0{1,4}){0,3}:0{0,3}1|(?:0{1,4}:){4}(?::0{1,4}){0,2}:0{0,3}1|(?:0{1,4}:){5}(?::0{1,4}){0,1}:0{0,3}1|(?:0{1,4}:){6}:0{0,3}1"
    /// `LOCALHOST`: the ways of writing the loopback host.
    static let localhost = "(?i:localhost(?:\\.localdomain)?|\\b(?<!:)127\\.0\\.0\\.1\\b|(?:IPv6:|(?<![a-f0-9:]))(?:\(mapped)127\\.0\\.0\\.1|\(loopback6))(?![a-f0-9:]))"
    private static let privateV4 = #"(?:10|127|169\.254|172\.(?:1[6-9]|2[0-9]|3[01])|192\.168|100\.(?:6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7]))\..*"#
    /// `IP_PRIVATE`, anchored at the start.
    static let privateIP = PerlPattern("^(?i:\(privateV4)|(?:IPv6:|(?<![a-f0-9:]))(?:\(mapped)\(privateV4)|fe[89ab][0-9a-f]:.*|\(loopback6))(?![a-f0-9:]))")

    /// The patterns, compiled together on first use.
    private struct Patterns: Sendable {
        let startsWithFrom = PerlPattern(#"^\(?from "#, caseless: true)
        let withLocalFor = PerlPattern(#"\bwith local for\b"#)
        let fromBySemicolon = PerlPattern(#"^from (\S+) by [^\s;]+ ?;"#, caseless: true)
        let bracketedV4 = PerlPattern(#"^\[[\d.]+\]$"#)
        let trailingDate = PerlPattern(#"[\s;]+(?:(?:Mon|T(?:ue|hu)|Wed|Fri|S(?:at|un)), )?\d+ (?:J(?:an|u[nl])|Feb|Ma[ry]|A(?:pr|ug)|Sep|Oct|Nov|Dec) \d+ \d+:\d+(?::\d+)? \S+$"#)
        let parenBy = PerlPattern(#"\)by "#)
        let id = PerlPattern(#" id <?([^\s<>;]{3,})"#)
        let heloEquals = PerlPattern(#"\bhelo=([-A-Za-z0-9\.\^+_&:=?!@%*\$\\\/]+)(?:[^-A-Za-z0-9\.\^+_&:=?!@%*\$\\\/]|$)"#)
        let heloCommand = PerlPattern(#"\b(?:HELO|EHLO) ([-A-Za-z0-9\.\^+_&:=?!@%*\$\\\/]+)(?:[^-A-Za-z0-9\.\^+_&:=?!@%*\$\\\/]|$)"#)
        let by = PerlPattern(#" by (\S+)(?:[^-A-Za-z0-9\;\.]|$)"#)
        // Authentication markers.
        let hasBy = PerlPattern(" by ")
        let authWith = PerlPattern(#" with ((?:ES|L|UTF8S|UTF8L)MTPS?A|ASMTP|HTTP[SU]?)(?: |;|$)"#, caseless: true)
        let gmailAuth = PerlPattern(#" by mx\.google\.com with ESMTPS id [a-z0-9]{1,4}sm[0-9]{2,9}[a-z]{3}\.[0-9]{1,3}\.[0-9]{4}\.(?:[0-6][0-9]\.){4}[0-6][0-9]"#)
        let gmailCipher = PerlPattern(#"\(version=([^ ]+) cipher=([^\)]+)\)"#)
        let courierAuth = PerlPattern(#"^from .*?(?:\]\)|\)\]) \(AUTH: (LOGIN|PLAIN|DIGEST-MD5|CRAM-MD5) \S+(?:, .*?)?\) by "#)
        let authenticatedWord = PerlPattern("authenticated")
        let sendmailAuth = PerlPattern(#"^from .*?(?:\](?: \([^)]*\))?\)|\)\]) .*?\(.*?authenticated.*?\).*? by"#)
        let gmxAuth: PerlPattern
        let criticalPathMarker = PerlPattern(#" \(authenticated as "#)
        let criticalPath = PerlPattern(#"\) by .+ \(\d{1,2}\.\d\.\d{3}(?:\.\d{1,3})?\) \(authenticated as .+\) id "#)
        let postfixAuth = PerlPattern(#"\) \(Authenticated sender: \S+\) by \S+ \(([^\)]+)\) with "#)
        let communigate = PerlPattern(#"CommuniGate Pro (HTTP|SMTP|XIMSS|IMAP)"#)
        let account = PerlPattern(#" \(account "#)
        let exchangeDAV = PerlPattern(#" with Microsoft Exchange Server HTTP-DAV\b"#)
        let viaHTTP = PerlPattern(#" \(via (HTTP.?)\)(?: |;|$)"#, caseless: true)
        // Branch prefixes.
        let fromPrefix = PerlPattern("^from ")
        let fromUpperPrefix = PerlPattern("^FROM ")
        let parenFromPrefix = PerlPattern(#"^\(from "#)
        let envfrom = PerlPattern(#"(?:return-path:? |envelope-(?:sender|from)[ =])(\S+)\b"#, caseless: true)
        let squirrel = PerlPattern(#" \((?:SquirrelMail|NaSMail) authenticated user "#)
        let squirrelIP: PerlPattern
        let aol = PerlPattern(#"aol\.com"#)
        let aolWebmail = PerlPattern(#"with HTTP \(WebMailUI\)"#)
        let aolIP: PerlPattern
        let smtpsvc = PerlPattern(" SMTPSVC")
        let smtpsvcRelay: PerlPattern
        let pickup = PerlPattern(#"^mail pickup service by (\S+) with Microsoft SMTPSVC$"#)
        let msSMTPServer = PerlPattern(#" with (?:Microsoft SMTP Server|mapi id) (?:\([^\)]+\) )?\d+\.\d+\.\d+\.\d+(?:$| )"#)
        let msSMTPServerRelay: PerlPattern
        let xmailMarker = PerlPattern(#"\[XMail "#)
        let xmail: PerlPattern
        let xmailID = PerlPattern(#" id <(\S+)>"#)
        let xmailFrom = PerlPattern(#" from <(\S+)>"#)
        let ecelerityMarker = PerlPattern(#"\(ecelerity\b"#)
        let ecelerity1: PerlPattern
        let ecelerity2: PerlPattern
        let eximMarker = PerlPattern("Exim")
        let eximLocal = PerlPattern(#"\bwith local(?:-\S+)? "#)
        let exim1: PerlPattern
        let exim2: PerlPattern
        let exim3: PerlPattern
        let eximRDNS = PerlPattern(#"^(\S+) "#)
        let eximHELO = PerlPattern(#" \((\S+)\) "#)
        let eximIP: PerlPattern
        let eximBy = PerlPattern(#"by (\S+) "#)
        let subHelo = PerlPattern(#"helo=(\S+)"#)
        let subIdent = PerlPattern(#"ident=(\S*)"#)
        let postfixMarker = PerlPattern(#" \(Postfix\) with"#)
        let postfix1: PerlPattern
        let postfix2: PerlPattern
        let scalixMarker = PerlPattern(#"\(Scalix SMTP Relay"#)
        let scalix: PerlPattern
        let dominoMarker = PerlPattern(#" \(Lotus Domino "#)
        let domino: PerlPattern
        let withHTTP = PerlPattern(#"\bwith HTTP\b"#)
        let httpNumeric: PerlPattern
        let qmailLDAP = PerlPattern(#" by \S+ \(qmail-\S+\) with "#)
        let sendmail1: PerlPattern
        let exchange55: PerlPattern
        let heloBracket: PerlPattern
        let unknownDomain: PerlPattern
        let attbi: PerlPattern
        let identAtBracket: PerlPattern
        let hotmailBy = PerlPattern(#"by (\S+\.hotmail\.msn\.com) "#)
        let leadingIP: PerlPattern
        let qpsmtpd: PerlPattern
        let lmtp: PerlPattern
        let gmx: PerlPattern
        let smtpdFor: PerlPattern
        let qmailGeneral: PerlPattern
        let qmail1: PerlPattern
        let qmail2: PerlPattern
        let qmail3: PerlPattern
        let qmail4: PerlPattern
        let viaHTTPEnd = PerlPattern(" via HTTP$")
        let yahooHTTP: PerlPattern
        let spaceBracket: PerlPattern
        let parenRDNS: PerlPattern
        let bracketBy: PerlPattern
        let parenIPBy: PerlPattern
        let mdaemon: PerlPattern
        let mdaemon2: PerlPattern
        let sendmail2: PerlPattern
        let sendmail3: PerlPattern
        let sendmailPort: PerlPattern
        let sendmailAuthBits: PerlPattern
        let popIMAP = PerlPattern(#"with (?:POP3|IMAP)"#)
        let qmailish1: PerlPattern
        let qmailish2: PerlPattern
        let withHTTPFor = PerlPattern(" with http for ")
        let outblaze: PerlPattern
        let viaSmap = PerlPattern(" via smap ")
        let smap1: PerlPattern
        let smap2: PerlPattern
        let postMarker = PerlPattern(#" \(Post"#)
        let postOffice: PerlPattern
        let argosoftMarker = PerlPattern(#" \(ArGoSoft"#)
        let argosoft: PerlPattern
        let interscan: PerlPattern
        let withBSMTP = PerlPattern(" with BSMTP")
        let bsmtp = PerlPattern(#"^\S+ by \S+ with BSMTP"#)
        let spike: PerlPattern
        let yahooHelo: PerlPattern
        let communigateAccount: PerlPattern
        let communigateMarker = PerlPattern(#" \(CommuniGate Pro"#)
        let communigateVerified: PerlPattern
        let ciphertrust: PerlPattern
        let ironport: PerlPattern
        let contentTechnologies = PerlPattern(#"^\S+ \(\S+\) by \S+ \(Content Technologies "#)
        let doubleBracket: PerlPattern
        let tumbleweed: PerlPattern
        let attbi2: PerlPattern
        let fsecure: PerlPattern
        let altavista: PerlPattern
        let highstream: PerlPattern
        let csmap: PerlPattern
        let mailgate: PerlPattern
        let unverified: PerlPattern
        let proxying: PerlPattern
        let bracketParen: PerlPattern
        let identIP: PerlPattern
        let obtuse: PerlPattern
        let yahooLogin: PerlPattern
        let synthetic: PerlPattern
        // Skips.
        let skipLocalIdent: PerlPattern
        let skipLocalESMTP = PerlPattern(#"^\S+ \S+ by \S+ with local-e?smtp "#)
        let skipAVG = PerlPattern(#"^127\.0\.0\.1 \(AVG SMTP \S+ \[\S+\]\)"#)
        let skipUID = PerlPattern(#"^\S+\@\S+ by \S+ by uid \S+ "#)
        let skipAddressBy = PerlPattern(#"^\S+\@\S+ by \S+ "#)
        let skipUnknownLocal = PerlPattern(#"^Unknown\/Local \("#)
        let skipLocalhost1: PerlPattern
        let skipLocalhost2: PerlPattern
        let skipLocalhost3: PerlPattern
        let skipAuth = PerlPattern(#"^\(AUTH: \S+\) by \S+ with "#)
        let skipUnix = PerlPattern(#"^localhost \(localhost \[\[UNIX: localhost\]\]\) by "#)
        let skipAmazon = PerlPattern(#"^\S+\.amazon\.com by \S+\.amazon\.com with ESMTP \(peer crosscheck: "#)
        let skipGroupWise = PerlPattern(#"^[^\.]+ by \S+ with Novell_GroupWise"#)
        let skipRaptor = PerlPattern(#"^no\.name\.available by \S+ via smtpd \(for "#)
        let qmailScanner = PerlPattern(#"^\S+ by \S+ \(.{0,100}\) with qmail-scanner"#)
        let skipWithLocal = PerlPattern(#"^\S+ by \S+ with local"#)
        let skipCyrus = PerlPattern(#"^\S+ \(\[unix socket\]\) by \S+ \(Cyrus v[0-9]*?\.[0-9]*?\.[0-9]*?\) with LMTPA"#)
        let skipNoIP = PerlPattern(#"^\S+ by \S+ (?:with|via|for|\()"#)
        let skipWithBy = PerlPattern(#"^\S+ (?:(?:with|via|for) \S+|\(unverified\)) by\b"#)
        let skipSendgrid = PerlPattern(#"^\S+ \(unknown\) by \S+ \(SG\) with \b"#)
        let skipOpenSMTPD = PerlPattern(#"^\S+ \(\S+ \[local\]\) by \S+ \(OpenSMTPD\) with \b"#)
        let skipLSMTP = PerlPattern(#"\(LSMTP for"#)
        let skipMailEnable: PerlPattern
        let skipFacebook = PerlPattern(#"^facebook\.com \([^\)]+\) by facebook\.com with Thrift id \S+$"#)
        let skipGmailAPI = PerlPattern(#"^\S+ named \S+ by gmailapi\.google\.com with HTTPREST$"#)
        let skipIDOnly = PerlPattern(#"^\S+ id \S+$"#)
        let skipJetsend = PerlPattern(#"^\[<.*? \(Jetsend"#)
        let guessHelo = PerlPattern(#"^(\S+)[^-A-Za-z0-9\.]"#)
        let simta: PerlPattern
        let navgw: PerlPattern
        let skipSendmailT = PerlPattern(#"^\S+\@localhost\) by \S+ "#)
        let skipJqueue = PerlPattern(#"^[^\s\@]+\@[^)]+\) by \S+\(jqueuemail\) id [^\s;]+"#)
        let anyBracketIP: PerlPattern
        // Clean-up.
        let trailingDots = PerlPattern(#"\.+\z"#)
        let unknownRDNS = PerlPattern(#"^unknown$"#, caseless: true)
        let ipv6Prefix = PerlPattern(#"^ipv6:"#, caseless: true)
        let zone = PerlPattern(#"%[A-Z0-9._~-]*\z"#, caseless: true)
        let mappedV4 = PerlPattern(#"^0*:0*:(?:0*:)*ffff:(\d+\.\d+\.\d+\.\d+)$"#, caseless: true)
        let stripChars = PerlPattern("[\\s\\x00#\\[\\]()<>|]")
        let identPrefix1 = PerlPattern(#"^IDENT:([^\@]*)\@"#)
        let identPrefix2 = PerlPattern(#"^([^\@]*)\@"#)

        init() {
            let ip = ReceivedParser.ipAddress
            let lh = ReceivedParser.localhost
            gmxAuth = PerlPattern(#"from \S* \((?:HELO|EHLO) (\S*)\) \[(\#(ip))\] by (mail\.gmx\.(?:net|com)) \([^\)]+\) with ((?:ESMTP|SMTP))"#)
            squirrelIP = PerlPattern(#"(\#(ip))\b(?![.-]).{10,80}by (\S+) with HTTP"#)
            aolIP = PerlPattern(#"(\#(ip)) by (\S+) \(\#(ip)\) with HTTP \(WebMailUI\)"#)
            smtpsvcRelay = PerlPattern(#"^(\S*) \(\[(\#(ip))\][^\)]{0,40}\) by (\S+) with Microsoft SMTPSVC"#)
            msSMTPServerRelay = PerlPattern(#"^(\S+) \(\[?(\#(ip))(?:%[A-Z0-9._~-]*)?\]?\) by (\S+) "#)
            xmail = PerlPattern(#"^(\S+) \((\[?\#(ip)\]?)(?::\d+)\) by (\S+)(?: \(\S+\))? with \[XMail"#)
            ecelerity1 = PerlPattern(#"^\(\[(\#(ip)):\d+\] helo=(\S+)\) by (\S+) "#)
            ecelerity2 = PerlPattern(#"^\S+ \(\[(\#(ip)):\d+\]\) by (\S+) "#)
            exim1 = PerlPattern(#"^\[(\#(ip))\] \((.*?)\) by (\S+) "#)
            exim2 = PerlPattern(#"^(\S+) \(\[(\#(ip))\](.*?)\) by (\S+) "#)
            exim3 = PerlPattern(#"^(\S+) \[(\#(ip))\](:\d+)? by (\S+) "#)
            eximIP = PerlPattern(#" \[(\#(ip))(?:\.\d+)?\] "#)
            postfix1 = PerlPattern(#"^(\S+) \((\S+) \[(\#(ip))\]\) by (\S+) "#)
            postfix2 = PerlPattern(#"^(\S+) \((\S+)\[(\#(ip))\]\) by (\S+) "#)
            scalix = PerlPattern(#"^(\S+) \( ?(\#(ip))\) by (\S+)"#)
            domino = PerlPattern(#"^(\S+) \(\[(\#(ip))\]\) by (\S+) \(Lotus"#)
            httpNumeric = PerlPattern(#"^(\#(ip)) \(\[\#(ip)\]\) by (\S+)"#)
            sendmail1 = PerlPattern(#"^(\S+) \((\S+) \[(\#(ip))\].*\) by (\S+) \("#)
            exchange55 = PerlPattern(#"^(\S+) \((\S+) \[(\#(ip))\]\) by (\S+) with \S+ \("#)
            heloBracket = PerlPattern(#"^(\S+) \(\[(\#(ip))\] helo=(\S+)\) by (\S+) with "#)
            unknownDomain = PerlPattern(#"^(\S+) \(<unknown\S*>\[(\#(ip))\]\) by (\S+) "#)
            attbi = PerlPattern(#"^(\S+) \((\S+\.\S+)\[(\#(ip))\]\) by (\S+) "#)
            identAtBracket = PerlPattern(#"^(\S+) \((\S*)\@\[(\#(ip))\].*\) by (\S+) \("#)
            leadingIP = PerlPattern(#"^(\#(ip)) "#)
            qpsmtpd = PerlPattern(#"^(\S+) \((?:HELO|EHLO) (\S*)\) \((\#(ip))\) by (\S+) \(qpsmtpd\/\S+\) with (?:ESMTP|SMTP)"#)
            lmtp = PerlPattern(#"^(\S+) \(LHLO (\S*)\) \((\#(ip))\) by (\S+) with LMTP"#)
            gmx = PerlPattern(#"^(\S+) \((?:HELO|EHLO) (\S*)\) \[(\#(ip))\] by (\S+) \([^\)]+\) with (?:ESMTP|SMTP)"#)
            smtpdFor = PerlPattern(#"^(\S+) \(\[(\#(ip))\]\) by (\S+) via smtpd \(for \S+\) with SMTP\("#)
            qmailGeneral = PerlPattern(#"^\S+( \((?:HELO|EHLO) \S*\))? \((\S+\@)?\[?\#(ip)\]?\)( \(envelope-sender <\S+>\))? by \S+( \(.+\))* with (.* )?(SMTP|QMQP)(?! id )"#)
            qmail1 = PerlPattern(#"^(\S+) \((?:HELO|EHLO) ([^ \(\)]*)\) \((\S*)\@\[?(\#(ip))\]?\)( \(envelope-sender <\S+>\))? by (\S+)"#)
            qmail2 = PerlPattern(#"^(\S+) \((?:HELO|EHLO) ([^ \(\)]*)\) \(\[?(\#(ip))\]?\)( \(envelope-sender <\S+>\))? by (\S+)"#)
            qmail3 = PerlPattern(#"^(\S+) \((\S*)\@\[?(\#(ip))\]?\)( \(envelope-sender <\S+>\))? by (\S+)"#)
            qmail4 = PerlPattern(#"^(\S+) \(\[?(\#(ip))\]?\)( \(envelope-sender <\S+>\))? by (\S+)"#)
            yahooHTTP = PerlPattern(#"^\[(\#(ip))\] by (\S+) via HTTP$"#)
            spaceBracket = PerlPattern(#"^(\S+) \( \[(\#(ip))\]\).*? by (\S+) "#)
            parenRDNS = PerlPattern(#"^\((\S+) \[(\#(ip))\]\) by (\S+) "#)
            bracketBy = PerlPattern(#"^\[(\#(ip))\] by (\S+) "#)
            parenIPBy = PerlPattern(#"^\(\[?(\#(ip))\]?\) by (\S+) "#)
            mdaemon = PerlPattern(#"^(\S+) \[(\#(ip))\] by (\S+) \[\#(ip)\] with "#)
            mdaemon2 = PerlPattern(#"^(\S+) \[\((\#(ip))\)\] by (\S+) \(\#(ip)\) "#)
            sendmail2 = PerlPattern(#"^(\S+) \(\[(\#(ip))\]\) by (\S+) \("#)
            sendmail3 = PerlPattern(#"^(\S+) \((\S+) \[(\#(ip))\]\).*? by (\S+)\b"#)
            sendmailPort = PerlPattern(#"^(\S+) \(\[(\#(ip))(?:[.:]\d+)?\]\).*? by (\S+) "#)
            sendmailAuthBits = PerlPattern(#"^(\S+) \((\S+) \[(\#(ip))\]\)(?: \(authenticated bits=\d+\))? by (\S+) \("#)
            qmailish1 = PerlPattern(#"^(\S+) \((?:HELO|EHLO) ([^\)]*)\) \((\S*@)?\[?(\#(ip))\]?\).* by (\S+) "#)
            qmailish2 = PerlPattern(#"^(\S+) \((\S*@)?\[?(\#(ip))\]?\).* by (\S+) "#)
            outblaze = PerlPattern(#"^\[(\#(ip))\] by (\S+) with http for "#)
            smap1 = PerlPattern(#"^(\S+)\((\#(ip))\) by (\S+) via smap "#)
            smap2 = PerlPattern(#"^(\S+)\((\#(ip)), (?:HELO|EHLO) (\S*)\) by (\S+) via smap "#)
            postOffice = PerlPattern(#"^\[(\#(ip))\] by (\S+) \(Post"#)
            argosoft = PerlPattern(#"^\[(\#(ip))\] by (\S+) \(ArGoSoft"#)
            interscan = PerlPattern(#"^(\#(ip)) by (\S+) \((?:SMTPL|InterScan)\b"#)
            spike = PerlPattern(#"^(\S+) \((\S+) \[(\#(ip))\]\) by (\S+) with "#)
            yahooHelo = PerlPattern(#"^(\S+) \((?:HELO|EHLO) (\S*)\) \((?:(\S+)\@)?(\#(ip)).*?\) by (\S+) with "#)
            communigateAccount = PerlPattern(#"^\[(\#(ip))\] \((?:account \S+ )?(?:HELO|EHLO) (\S*)\) by (\S+) \("#)
            communigateVerified = PerlPattern(#"^(\S+) \(\[(\#(ip))\] verified\) by (\S+) \("#)
            ciphertrust = PerlPattern(#"^\(\[(\#(ip))\]\) by (\S+) with "#)
            ironport = PerlPattern(#"^([^\d]\S+) \((\#(ip))\) by (\S+) "#)
            doubleBracket = PerlPattern(#"^(\S+) \(\[(\#(ip))\] \[(\S+)\]\) by (\S+) with "#)
            tumbleweed = PerlPattern(#"^(\#(ip)) by (\S+) with "#)
            attbi2 = PerlPattern(#"^(\S+) \((\S+)\[(\#(ip))\]\) by (\S+) "#)
            fsecure = PerlPattern(#"^\[(\#(ip))\]\S+ \((?:HELO|EHLO) (\S*)\) by (\S+) "#)
            altavista = PerlPattern(#"^(\#(ip)) \((?:HELO|EHLO) (\S*)\) by (\S+) "#)
            highstream = PerlPattern(#"^(\S+) \[(\#(ip))\] by (\S+) "#)
            csmap = PerlPattern(#"^(\S+)\((\#(ip))\) by (\S+) "#)
            mailgate = PerlPattern(#"^\[(\#(ip))\] by (\S+) \(MailGate "#)
            unverified = PerlPattern(#"^(\S+) \(unverified \[(\#(ip))\]\) by (\S+) "#)
            proxying = PerlPattern(#"^(\#(ip)) \([A-Za-z][^\)]+\) by (\S+) with "#)
            bracketParen = PerlPattern(#"^\[(\#(ip))\] \(([^\)]+)\) by (\S+) "#)
            identIP = PerlPattern(#"^(\S+) \((?:\S+\@)?(\#(ip))\) by (\S+) with "#)
            obtuse = PerlPattern(#"^(\S+)\((\#(ip))\)(?:, claiming to be "(\S+)")? via \S+ by (\S+),"#)
            yahooLogin = PerlPattern(#"^(\S+) \((\S+)@(\#(ip)) with login\) by (\S+\.yahoo\.com) with SMTP"#)
            synthetic = PerlPattern(#"^X-Originating-IP: (\#(ip))$"#)
            skipLocalIdent = PerlPattern(#"^\S+ \([^\s\@]+\@\#(lh)\) by \S+ \("#)
            skipLocalhost1 = PerlPattern(#"^\#(lh) \((?:\S+\@)?\#(lh)[\)\[]"#)
            skipLocalhost2 = PerlPattern(#"^\S+ \((?:\S+\@)?\#(lh)\) "#)
            skipLocalhost3 = PerlPattern(#"^\S+ \(\S+\@\S+ \[\#(lh)\]\) "#)
            skipMailEnable = PerlPattern(#"^\(\[\#(lh)\]\) with MailEnable "#)
            simta = PerlPattern(#"^(\S+) \((\S+) \[(\#(ip))\]\) BY (\S+) (?:\([^\)]+\) WITH SMTP )?ID <?(\S+?)>?(?: FOR <[^>]+>)?$"#)
            navgw = PerlPattern(#"^(\S*) \[(\#(ip))\]\) by (\S+) \(NAVGW .*?\) with "#)
            anyBracketIP = PerlPattern(#"\[(\#(ip))\]"#)
        }
    }

    private static let p = Patterns()

    /// The fields gathered so far (Perl's lexicals in `parse_received_line`).
    private struct Fields {
        var ip = "", helo = "", rdns = "", by = "", id = "", ident = "", auth = ""
        var envfrom: String?
        var mtaLookedUpDNS = false
    }

    /// Parses one unfolded Received header value.
    static func parse(_ header: String) -> Outcome {
        var s = header
        // s/\s+/ /g; s/^ //; s/ $//; 1 while s/\s?;$//;
        s = collapseSpaces(s)
        while s.hasSuffix(";") {
            s.removeLast()
            if let last = s.last, last == " " { s.removeLast() }
        }
        guard p.startsWithFrom.matches(s), !p.withLocalFor.matches(s) else { return .skipped }
        if let m = p.fromBySemicolon.match(s), !p.bracketedV4.matches(m.text(1)) { return .skipped }
        p.trailingDate.replace(in: &s, with: "")
        p.parenBy.replace(in: &s, with: ") by ")

        var f = Fields()
        if let m = p.id.match(s) { f.id = m.text(1) }
        if let m = p.heloEquals.match(s) {
            f.helo = m.text(1)
        } else if let m = p.heloCommand.match(s) {
            f.helo = m.text(1)
        }
        if let m = p.by.match(s) { f.by = m.text(1) }
        f.auth = authentication(s)

        if p.fromPrefix.matches(s) {
            s.removeFirst(5)
            return parseFrom(&s, &f)
        } else if p.fromUpperPrefix.matches(s) {
            s.removeFirst(5)
            if let m = p.simta.match(s) {
                f.mtaLookedUpDNS = true
                f.helo = m.text(1); f.rdns = m.text(2); f.ip = m.text(3); f.by = m.text(4); f.id = m.text(5)
                if f.rdns == "unverified" { f.rdns = "" }
                return enough(f)
            }
        } else if p.parenFromPrefix.matches(s) {
            s.removeFirst(6)
            if let m = p.navgw.match(s) {
                f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3)
                return enough(f)
            }
            if p.skipSendmailT.matches(s) || p.skipJqueue.matches(s) { return .skipped }
        }
        return fallThrough(s, f)
    }

    private static func fallThrough(_ s: String, _ fields: Fields) -> Outcome {
        var f = fields
        if f.ip.isEmpty, let m = p.anyBracketIP.match(s) { f.ip = m.text(1) }
        if !f.ip.isEmpty, !f.by.isEmpty { return enough(f) }
        return .unparseable
    }

    private static func authentication(_ s: String) -> String {
        let hasBy = p.hasBy.matches(s)
        if hasBy, let m = p.authWith.match(s) { return m.text(1) }
        if p.gmailAuth.matches(s), let m = p.gmailCipher.match(s) {
            return "GMail - transport=\(m.text(1)) cipher=\(m.text(2))"
        }
        if let m = p.courierAuth.match(s) { return m.text(1) }
        if p.authenticatedWord.matches(s), p.sendmailAuth.matches(s) { return "Sendmail" }
        if let m = p.gmxAuth.match(s) { return "GMX (\(m.text(4)) / \(m.text(3)))" }
        if p.criticalPathMarker.matches(s), p.criticalPath.matches(s) { return "CriticalPath" }
        if let m = p.postfixAuth.match(s) { return m.text(1) == "Postfix" ? "Postfix" : "Postfix (\(m.text(1)))" }
        if p.communigate.matches(s), p.account.matches(s) { return "Communigate" }
        if p.exchangeDAV.matches(s) { return "HTTP-DAV" }
        if hasBy, let m = p.viaHTTP.match(s) { return m.text(1) }
        return ""
    }

    /// The `from ` branch, `s` already without it.
    private static func parseFrom(_ s: inout String, _ f: inout Fields) -> Outcome {
        if let m = p.envfrom.match(s) { f.envfrom = m.text(1) }
        if p.squirrel.matches(s), let m = p.squirrelIP.match(s) {
            f.ip = m.text(1); f.by = m.text(2); return enough(f)
        }
        if p.aol.matches(s), p.aolWebmail.matches(s), let m = p.aolIP.match(s) {
            f.ip = m.text(1); f.by = m.text(2); return enough(f)
        }
        if p.smtpsvc.matches(s) {
            if let m = p.smtpsvcRelay.match(s) {
                f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
            }
            if p.pickup.matches(s) { return .skipped }
        } else if p.msSMTPServer.matches(s) {
            if let m = p.msSMTPServerRelay.match(s) {
                f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); f.id = ""; return enough(f)
            }
        } else if p.xmailMarker.matches(s) {
            if let m = p.xmail.match(s) {
                f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3)
                if let id = p.xmailID.match(s) { f.id = id.text(1) }
                if let from = p.xmailFrom.match(s) { f.envfrom = from.text(1) }
                return enough(f)
            }
        } else if p.ecelerityMarker.matches(s) {
            if let m = p.ecelerity1.match(s) {
                f.ip = m.text(1); f.helo = m.text(2); f.by = m.text(3); return enough(f)
            }
            if let m = p.ecelerity2.match(s) {
                f.ip = m.text(1); f.by = m.text(2); return enough(f)
            }
        } else if p.eximMarker.matches(s) {
            if p.eximLocal.matches(s) { return .skipped }
            if let m = p.exim1.match(s) {
                f.ip = m.text(1); f.by = m.text(3)
                eximSub(m.text(2), &f)
                return enough(f)
            }
            if let m = p.exim2.match(s) {
                f.rdns = m.text(1); f.ip = m.text(2); f.by = m.text(4)
                f.helo = f.rdns
                eximSub(m.text(3), &f)
                return enough(f)
            }
            if let m = p.exim3.match(s) {
                f.rdns = m.text(1); f.ip = m.text(2); f.helo = m.text(1); f.by = m.text(4); return enough(f)
            }
            if let m = p.eximRDNS.match(s) { f.rdns = m.text(1) }
            if let m = p.eximHELO.match(s) { f.helo = m.text(1) }
            if let m = p.eximIP.match(s) { f.ip = m.text(1) }
            if let m = p.eximBy.match(s) {
                f.by = m.text(1)
                if !f.ip.isEmpty { return enough(f) }
            }
        } else if p.postfixMarker.matches(s) {
            for pattern in [p.postfix1, p.postfix2] {
                if let m = pattern.match(s) {
                    f.mtaLookedUpDNS = true
                    f.helo = m.text(1); f.rdns = m.text(2); f.ip = m.text(3); f.by = m.text(4)
                    if f.rdns == "unknown" { f.rdns = "" }
                    return enough(f)
                }
            }
        } else if p.scalixMarker.matches(s) {
            if let m = p.scalix.match(s) {
                f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
            }
        } else if p.dominoMarker.matches(s) {
            if let m = p.domino.match(s) {
                f.mtaLookedUpDNS = false
                f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
            }
        }

        if p.withHTTP.matches(s), let m = p.httpNumeric.match(s) {
            f.ip = m.text(1); f.by = m.text(2); return enough(f)
        }
        if !p.qmailLDAP.matches(s), let m = p.sendmail1.match(s) {
            f.mtaLookedUpDNS = true
            f.helo = m.text(1); f.rdns = m.text(2); f.ip = m.text(3); f.by = m.text(4)
            if let i = p.identPrefix1.match(f.rdns) {
                f.ident = i.text(1)
                p.identPrefix1.replace(in: &f.rdns, with: "")
            }
            if let i = p.identPrefix2.match(f.rdns) {
                f.ident = i.text(1)
                p.identPrefix2.replace(in: &f.rdns, with: "")
            }
            return enough(f)
        }
        if let m = p.exchange55.match(s) {
            f.mtaLookedUpDNS = true
            f.rdns = m.text(2); f.ip = m.text(3); f.helo = m.text(1); f.by = m.text(4); return enough(f)
        }
        if let m = p.heloBracket.match(s) {
            f.rdns = m.text(1); f.ip = m.text(2); f.helo = m.text(3); f.by = m.text(4); return enough(f)
        }
        if let m = p.unknownDomain.match(s) {
            f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.attbi.match(s) {
            f.mtaLookedUpDNS = true
            f.helo = m.text(1); f.rdns = m.text(2); f.ip = m.text(3); f.by = m.text(4); return enough(f)
        }
        if let m = p.identAtBracket.match(s) {
            f.mtaLookedUpDNS = true
            f.helo = m.text(1); f.ip = m.text(3); f.by = m.text(4); f.ident = m.text(2); return enough(f)
        }
        if let m = p.hotmailBy.match(s) {
            f.by = m.text(1)
            if let ip = p.leadingIP.match(s) { f.ip = ip.text(1) }
            return enough(f)
        }
        if let m = p.qpsmtpd.match(s) {
            f.rdns = m.text(1); f.helo = m.text(2); f.ip = m.text(3); f.by = m.text(4); return enough(f)
        }
        if let m = p.lmtp.match(s) {
            f.rdns = m.text(1); f.helo = m.text(2); f.ip = m.text(3); f.by = m.text(4); return enough(f)
        }
        if let m = p.gmx.match(s) {
            f.rdns = m.text(1); f.helo = m.text(2); f.ip = m.text(3); f.by = m.text(4); return enough(f)
        }
        if let m = p.smtpdFor.match(s) {
            f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if p.qmailGeneral.matches(s) {
            if let m = p.qmail1.match(s) {
                f.rdns = m.text(1); f.helo = m.text(2); f.ident = m.text(3); f.ip = m.text(4); f.by = m.text(6)
            } else if let m = p.qmail2.match(s) {
                f.rdns = m.text(1); f.helo = m.text(2); f.ip = m.text(3); f.by = m.text(5)
            } else if let m = p.qmail3.match(s) {
                f.helo = m.text(1); f.rdns = m.text(1); f.ident = m.text(2); f.ip = m.text(3); f.by = m.text(5)
            } else if let m = p.qmail4.match(s) {
                f.helo = m.text(1); f.rdns = m.text(1); f.ip = m.text(2); f.by = m.text(4)
            }
            if f.rdns != "unknown" { f.mtaLookedUpDNS = true } else { f.rdns = "" }
            return enough(f)
        }
        if p.viaHTTPEnd.matches(s), let m = p.yahooHTTP.match(s) {
            f.ip = m.text(1); f.by = m.text(2); return enough(f)
        }
        if let m = p.spaceBracket.match(s) {
            f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.parenRDNS.match(s) {
            f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.bracketBy.match(s) {
            f.ip = m.text(1); f.by = m.text(2); return enough(f)
        }
        if let m = p.parenIPBy.match(s) {
            f.ip = m.text(1); f.by = m.text(2); return enough(f)
        }
        if let m = p.mdaemon.match(s) {
            f.mtaLookedUpDNS = true
            f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.mdaemon2.match(s) {
            f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.sendmail2.match(s) {
            f.mtaLookedUpDNS = true
            f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.sendmail3.match(s) {
            if m.text(2) == "softdnserr" {
                f.mtaLookedUpDNS = false
            } else {
                f.mtaLookedUpDNS = true; f.rdns = m.text(2)
            }
            f.helo = m.text(1); f.ip = m.text(3); f.by = m.text(4); return enough(f)
        }
        if let m = p.sendmailPort.match(s) {
            f.mtaLookedUpDNS = true
            f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.sendmailAuthBits.match(s) {
            f.mtaLookedUpDNS = true
            f.helo = m.text(1); f.rdns = m.text(2); f.ip = m.text(3); f.by = m.text(4); return enough(f)
        }
        if p.popIMAP.matches(s) { return .fetcherMarker }
        if let m = p.qmailish1.match(s) {
            f.mtaLookedUpDNS = true
            f.rdns = m.text(1); f.helo = m.text(2); f.ident = m.text(3); f.ip = m.text(4); f.by = m.text(5)
            if f.ident.hasSuffix("@") { f.ident.removeLast() }
            return enough(f)
        }
        if let m = p.qmailish2.match(s) {
            f.mtaLookedUpDNS = true
            f.rdns = m.text(1); f.helo = f.rdns; f.ident = m.text(2); f.ip = m.text(3); f.by = m.text(4)
            if f.ident.hasSuffix("@") { f.ident.removeLast() }
            return enough(f)
        }
        if p.withHTTPFor.matches(s), let m = p.outblaze.match(s) {
            f.ip = m.text(1); f.by = m.text(2); return enough(f)
        }
        if p.viaSmap.matches(s), let m = p.smap1.match(s) {
            f.mtaLookedUpDNS = true
            f.rdns = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.smap2.match(s) {
            f.mtaLookedUpDNS = true
            f.rdns = m.text(1); f.ip = m.text(2); f.helo = m.text(3); f.by = m.text(4); return enough(f)
        }
        if p.postMarker.matches(s), let m = p.postOffice.match(s) {
            f.ip = m.text(1); f.by = m.text(2); return enough(f)
        }
        if p.argosoftMarker.matches(s), let m = p.argosoft.match(s) {
            f.ip = m.text(1); f.by = m.text(2); return enough(f)
        }
        if let m = p.interscan.match(s) {
            f.ip = m.text(1); f.by = m.text(2); return enough(f)
        }
        if p.withBSMTP.matches(s), p.bsmtp.matches(s) { return .skipped }
        if let m = p.spike.match(s) {
            f.mtaLookedUpDNS = true
            f.helo = m.text(1); f.rdns = m.text(2); f.ip = m.text(3); f.by = m.text(4); return enough(f)
        }
        if let m = p.yahooHelo.match(s) {
            f.mtaLookedUpDNS = true
            f.rdns = m.text(1); f.helo = m.text(2); f.ip = m.text(4); f.by = m.text(5)
            if let ident = m[3] { f.ident = ident }
            return enough(f)
        }
        if let m = p.communigateAccount.match(s) {
            f.ip = m.text(1); f.helo = m.text(2); f.by = m.text(3); return enough(f)
        }
        if p.communigateMarker.matches(s), let m = p.communigateVerified.match(s) {
            f.mtaLookedUpDNS = true
            f.rdns = m.text(1); f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.ciphertrust.match(s) {
            f.ip = m.text(1); f.by = m.text(2); return enough(f)
        }
        if let m = p.ironport.match(s) {
            f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if p.contentTechnologies.matches(s) { return .skipped }
        if let m = p.doubleBracket.match(s) {
            f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(4); return enough(f)
        }
        if let m = p.tumbleweed.match(s) {
            f.ip = m.text(1); f.by = m.text(2); return enough(f)
        }
        if let m = p.attbi2.match(s) {
            f.mtaLookedUpDNS = true
            f.helo = m.text(1); f.rdns = m.text(2); f.ip = m.text(3); f.by = m.text(4); return enough(f)
        }
        if let m = p.fsecure.match(s) {
            f.ip = m.text(1); f.helo = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.altavista.match(s) {
            f.ip = m.text(1); f.helo = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.highstream.match(s) {
            f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.csmap.match(s) {
            f.rdns = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.mailgate.match(s) {
            f.ip = m.text(1); f.by = m.text(2); return enough(f)
        }
        if let m = p.unverified.match(s) {
            f.helo = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.proxying.match(s) {
            f.ip = m.text(1); f.by = m.text(2); return enough(f)
        }
        if let m = p.bracketParen.match(s) {
            f.ip = m.text(1); f.by = m.text(3)
            eximSub(m.text(2), &f)
            return enough(f)
        }
        if let m = p.identIP.match(s) {
            f.rdns = m.text(1); f.ip = m.text(2); f.by = m.text(3); return enough(f)
        }
        if let m = p.obtuse.match(s) {
            f.rdns = m.text(1); f.ip = m.text(2); f.helo = m.text(3); f.by = m.text(4)
            if m.text(1) != "UNKNOWN" { f.mtaLookedUpDNS = true }
            return enough(f)
        }
        if let m = p.yahooLogin.match(s) {
            f.helo = m.text(1); f.ip = m.text(3); f.by = m.text(4); return enough(f)
        }
        if let m = p.synthetic.match(s) {
            f.ip = m.text(1); f.by = ""; return enough(f)
        }
        // Handovers SpamAssassin ignores.
        for skip in [p.skipLocalIdent, p.skipLocalESMTP, p.skipAVG, p.skipUID, p.skipAddressBy, p.skipUnknownLocal,
                     p.skipLocalhost1, p.skipLocalhost2, p.skipLocalhost3, p.skipAuth, p.skipUnix, p.skipAmazon,
                     p.skipGroupWise, p.skipRaptor] where skip.matches(s) {
            return .skipped
        }
        if p.qmailScanner.matches(s) {
            var envfrom = f.envfrom
            if var e = envfrom {
                e = trimAngles(e)
                p.stripChars.replace(in: &e, global: true, with: "!")
                envfrom = e
            }
            return .qmailScanner(envfrom: envfrom)
        }
        for skip in [p.skipWithLocal, p.skipCyrus, p.skipNoIP, p.skipWithBy, p.skipSendgrid, p.skipOpenSMTPD, p.skipLSMTP,
                     p.skipMailEnable, p.skipFacebook, p.skipGmailAPI, p.skipIDOnly, p.skipJetsend] where skip.matches(s) {
            return .skipped
        }
        if f.helo.isEmpty, let m = p.guessHelo.match(s) { f.helo = m.text(1) }
        return fallThrough(s, f)
    }

    /// Exim's `(helo=... ident=...)` comment.
    private static func eximSub(_ sub: String, _ f: inout Fields) {
        if let m = p.subHelo.match(sub) { f.helo = m.text(1) }
        var rest = sub
        p.subHelo.replace(in: &rest, with: "")
        if let m = p.subIdent.match(rest) { f.ident = m.text(1) }
    }

    /// Perl's `goto enough`: clean the fields and build the relay.
    private static func enough(_ fields: Fields) -> Outcome {
        var f = fields
        p.trailingDots.replace(in: &f.rdns, with: "")
        if p.unknownRDNS.matches(f.rdns) || f.rdns.hasPrefix("[") { f.rdns = "" }
        p.ipv6Prefix.replace(in: &f.ip, with: "")
        if f.ip.hasPrefix("[") { f.ip.removeFirst() }
        if f.ip.hasSuffix("]") { f.ip.removeLast() }
        p.zone.replace(in: &f.ip, with: "")
        if let m = p.mappedV4.match(f.ip) { f.ip = m.text(1) }
        if f.by.hasSuffix(";") { f.by.removeLast() }
        for keyPath in [\Fields.ip, \Fields.rdns, \Fields.helo, \Fields.by, \Fields.ident] {
            p.stripChars.replace(in: &f[keyPath: keyPath], global: true, with: "!")
        }
        if var e = f.envfrom {
            e = trimAngles(e)
            p.stripChars.replace(in: &e, global: true, with: "!")
            f.envfrom = e
        }
        var relay = Relay()
        relay.ip = f.ip
        relay.by = f.by
        relay.helo = f.helo
        relay.id = f.id
        relay.ident = f.ident
        relay.envfrom = f.envfrom
        relay.auth = f.auth
        relay.rdns = f.rdns
        relay.noReverseDNS = f.rdns.isEmpty && f.mtaLookedUpDNS
        relay.ipPrivate = privateIP.matches(f.ip)
        return .relay(relay)
    }

    /// `s/^\s*<*//; s/>*\s*$//`.
    private static func trimAngles(_ text: String) -> String {
        var e = Substring(text)
        while let c = e.first, c == " " || c == "\t" || c == "\n" { e.removeFirst() }
        while e.first == "<" { e.removeFirst() }
        while let c = e.last, c == " " || c == "\t" || c == "\n" { e.removeLast() }
        while e.last == ">" { e.removeLast() }
        return String(e)
    }

    /// `s/\s+/ /g`, then the leading and trailing space removed.
    static func collapseSpaces(_ text: String) -> String {
        // On the UTF-8 bytes: every space SpamAssassin collapses is ASCII, and appending scalar by
        // scalar to a String cost a quarter of the relay parse.
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var space = false
        for byte in text.utf8 {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C {
                space = true
            } else {
                if space, !out.isEmpty { out.append(0x20) }
                space = false
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
