import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MoatAdmin
import MoatCore
import MoatStore
import Mustache
import NIOCore

/// The operators' web console: engines and their measured precision, the decision log, the
/// quarantine and feedback, in English or Japanese, served by `moatd`'s admin listener under
/// `/console`.
///
/// It acts through the same objects as the admin API (`AdminAPI`, the supervisor, the store), so
/// a change made here is the change the API would make, recorded with the signed-in operator's
/// name. A tenant token signs in as that tenant's operator and sees only its own mail.
public struct Console: Sendable {
    public let api: AdminAPI
    public let sessions: ConsoleSessions
    let library: MustacheLibrary
    let now: @Sendable () -> Date

    static let sessionCookie = "moat_session"
    static let signInCookie = "moat_signin"
    static let languageCookie = "moat_lang"
    static let pageSize = 50

    public init(api: AdminAPI, sessions: ConsoleSessions? = nil, now: @escaping @Sendable () -> Date = Date.init) throws {
        self.api = api
        self.sessions = sessions ?? ConsoleSessions(settings: api.settings.console, now: now)
        self.library = try ConsoleTemplates.library()
        self.now = now
    }

    /// Adds the console's routes to the admin router (outside the bearer-token group: the console
    /// signs in with the same tokens and then uses its session cookie).
    public func addRoutes(to router: Router<AdminRequestContext>) {
        router.get("/console/static/console.css") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/css; charset=utf-8"
            headers[.cacheControl] = "max-age=3600"
            headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: ConsoleAssets.css)))
        }
        router.get("/console/signin") { request, _ in self.signInPage(request, problem: nil) }
        router.post("/console/signin") { request, _ in try await self.signIn(request) }
        router.get("/console/language") { request, _ in self.switchLanguage(request) }
        router.post("/console/signout") { request, _ in
            try await self.signedIn(request, post: true) { _, session in
                self.sessions.end(session.id)
                return self.redirect(to: "/console/signin", cookies: [self.cookie(Self.sessionCookie, "", maxAge: 0)])
            }
        }
        router.get("/console") { request, _ in try await self.signedIn(request) { request, session in try await self.overview(request, session) } }
        router.get("/console/engines") { request, _ in try await self.signedIn(request) { request, session in try await self.enginesPage(request, session) } }
        router.get("/console/engines/:name") { request, context in
            let name = try context.parameters.require("name")
            return try await self.signedIn(request) { request, session in try await self.enginePage(request, session, name: name) }
        }
        router.post("/console/engines/:name/state") { request, context in
            let name = try context.parameters.require("name")
            return try await self.signedIn(request, post: true) { fields, session in try await self.changeState(fields, session, name: name) }
        }
        router.get("/console/decisions") { request, _ in try await self.signedIn(request) { request, session in try await self.decisionsPage(request, session) } }
        router.get("/console/decisions/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await self.signedIn(request) { request, session in try await self.decisionPage(request, session, id: id) }
        }
        router.post("/console/decisions/:id/feedback") { request, context in
            let id = try context.parameters.require("id")
            return try await self.signedIn(request, post: true) { fields, session in try await self.feedback(fields, session, id: id) }
        }
        router.get("/console/quarantine") { request, _ in try await self.signedIn(request) { request, session in try await self.quarantinePage(request, session) } }
        router.get("/console/quarantine/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await self.signedIn(request) { request, session in try await self.heldPage(request, session, id: id) }
        }
        router.post("/console/quarantine/:id/release") { request, context in
            let id = try context.parameters.require("id")
            return try await self.signedIn(request, post: true) { _, session in try await self.release(session, id: id) }
        }
        router.post("/console/quarantine/:id/delete") { request, context in
            let id = try context.parameters.require("id")
            return try await self.signedIn(request, post: true) { _, session in try await self.delete(session, id: id) }
        }
        router.get("/console/metrics") { request, _ in
            try await self.signedIn(request) { _, session in
                try session.caller.requireGlobal("the gateway's metrics")
                var buffer: [UInt8] = []
                self.api.prometheus.emit(into: &buffer)
                var headers = Self.securityHeaders
                headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
            }
        }
    }

    // MARK: - Sessions and pages

    /// Runs `body` for a signed-in request: without a live session, a page redirects to sign-in;
    /// a form must also carry the session's CSRF token. Errors become a problem page.
    func signedIn(_ request: Request, body: (Request, ConsoleSession) async throws -> Response) async throws -> Response {
        guard let session = sessions.session(ConsoleForm.cookies(request)[Self.sessionCookie]) else {
            return redirect(to: "/console/signin?ended=1")
        }
        do {
            return try await body(request, session)
        } catch let error as HTTPError {
            return problemPage(request, session, error)
        }
    }

    func signedIn(_ request: Request, post: Bool, body: ([String: String], ConsoleSession) async throws -> Response) async throws -> Response {
        guard let session = sessions.session(ConsoleForm.cookies(request)[Self.sessionCookie]) else {
            return redirect(to: "/console/signin?ended=1")
        }
        let fields = try await ConsoleForm.fields(request)
        guard ConsoleSessions.equal(fields["csrf"] ?? "", session.csrf) else {
            return problemPage(request, session, HTTPError(.forbidden, message: "the form's CSRF token is missing or wrong: reload the page and try again"))
        }
        do {
            return try await body(fields, session)
        } catch let error as HTTPError {
            return problemPage(request, session, error)
        }
    }

    func language(_ request: Request) -> ConsoleLanguage {
        if let chosen = ConsoleForm.cookies(request)[Self.languageCookie], let language = ConsoleLanguage(rawValue: chosen) { return language }
        return ConsoleLanguage.preferred(request.headers[.acceptLanguage])
    }

    static var securityHeaders: HTTPFields {
        var headers = HTTPFields()
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[.cacheControl] = "no-store"
        return headers
    }

    enum Section: String, CaseIterable {
        case overview, engines, decisions, quarantine

        var href: String { self == .overview ? "/console" : "/console/\(rawValue)" }
    }

    /// A whole page: `template` rendered with `values`, inside the layout.
    func page(_ request: Request, _ session: ConsoleSession?, section: Section?, title: String, template: String, values: [String: Any],
              status: HTTPResponse.Status = .ok, notice: String? = nil, problem: String? = nil, cookies: [String] = []) -> Response {
        let language = language(request)
        let texts = language.texts
        var values = Self.pruned(values) as? [String: Any] ?? [:]
        values["t"] = texts
        let body = library.render(values, withTemplate: template) ?? ""
        var layout: [String: Any] = [
            "lang": language.rawValue, "t": texts, "title": title, "body": body,
            "back": ConsoleForm.escapeQuery(request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")),
        ]
        if let notice { layout["notice"] = notice }
        if let problem { layout["problem"] = problem }
        if let session {
            layout["session"] = ["actor": session.actor, "csrf": session.csrf]
            layout["nav"] = Section.allCases.filter { $0 != .engines || session.caller == .global }.map { item in
                ["href": item.href, "label": texts[item.rawValue] ?? item.rawValue, "current": item == section] as [String: Any]
            }
        }
        let html = library.render(layout, withTemplate: "layout") ?? ""
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// `value` without empty strings, at any depth: Mustache takes an empty string for true, so a
    /// section such as `{{#error}}` would show for a verdict without an error.
    static func pruned(_ value: Any) -> Any? {
        if let text = value as? String { return text.isEmpty ? nil : text }
        if let dictionary = value as? [String: Any] { return dictionary.compactMapValues { pruned($0) } }
        if let array = value as? [Any] { return array.map { pruned($0) ?? "" } }
        return value
    }

    func problemPage(_ request: Request, _ session: ConsoleSession?, _ error: HTTPError) -> Response {
        let language = language(request)
        let title = switch error.status {
        case .notFound: language.text("notFound")
        case .forbidden: language.text("forbidden")
        default: language.text("badRequest")
        }
        return page(request, session, section: nil, title: title, template: "problem", values: [:], status: error.status,
                    problem: error.body ?? "\(error.status.code)")
    }

    func redirect(to location: String, cookies: [String] = []) -> Response {
        var headers = Self.securityHeaders
        headers[.location] = location
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Strict, scoped to the console.
    func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> String {
        var text = "\(name)=\(value); Path=/console; HttpOnly; SameSite=Strict"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        if api.settings.console.secureCookie { text += "; Secure" }
        return text
    }

    /// Where a notice goes after a form: back to `path` with `?done=KEY`.
    func after(_ path: String, done key: String) -> Response {
        redirect(to: "\(path)?done=\(key)")
    }

    func notice(_ request: Request) -> String? {
        guard let key = ConsoleForm.query(request, "done"), ["feedbackRecorded", "stateChanged", "released", "deleted"].contains(key) else { return nil }
        return language(request).text(key)
    }

    // MARK: - Sign-in

    func signInPage(_ request: Request, problem: String?, status: HTTPResponse.Status = .ok) -> Response {
        let token = ConsoleSessions.randomToken()
        let language = language(request)
        let ended = ConsoleForm.query(request, "ended") != nil
        return page(request, nil, section: nil, title: language.text("signIn"), template: "signin", values: ["csrf": token], status: status,
                    notice: ended && problem == nil ? language.text("sessionEnded") : nil, problem: problem,
                    cookies: [cookie(Self.signInCookie, token, maxAge: 900)])
    }

    /// Sign-in is protected by a double-submit token (a cookie and the same value in the form),
    /// so another site cannot sign a browser in under its own token.
    func signIn(_ request: Request) async throws -> Response {
        let language = language(request)
        let fields = try await ConsoleForm.fields(request)
        let expected = ConsoleForm.cookies(request)[Self.signInCookie] ?? ""
        guard ConsoleSessions.equal(fields["csrf"] ?? "", expected) else {
            return signInPage(request, problem: language.text("sessionEnded"), status: .forbidden)
        }
        guard !sessions.signInBlocked else { return signInPage(request, problem: language.text("signInBlocked"), status: .tooManyRequests) }
        let given = (fields["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let caller: AdminCaller
        if !given.isEmpty, api.token.matches(given) {
            caller = .global
        } else if !given.isEmpty, let scoped = api.tenantTokens.first(where: { $0.token.matches(given) }) {
            caller = .tenant(scoped.tenant)
        } else {
            let allowed = sessions.recordFailure()
            api.logger.warning("console sign-in refused", metadata: ["console.blocked": "\(!allowed)"])
            return signInPage(request, problem: language.text(allowed ? "signInFailed" : "signInBlocked"), status: allowed ? .unauthorized : .tooManyRequests)
        }
        let session = sessions.create(caller: caller, name: fields["name"] ?? "")
        api.logger.info("console sign-in", metadata: ["console.actor": "\(session.actor)"])
        return redirect(to: "/console", cookies: [cookie(Self.sessionCookie, session.id), cookie(Self.signInCookie, "", maxAge: 0)])
    }

    func switchLanguage(_ request: Request) -> Response {
        let language = ConsoleForm.query(request, "to").flatMap(ConsoleLanguage.init(rawValue:)) ?? .en
        var back = ConsoleForm.query(request, "back") ?? "/console"
        // Only a path of the console itself: never an open redirect.
        if !back.hasPrefix("/console") || back.hasPrefix("//") || back.contains("\\") { back = "/console" }
        return redirect(to: back, cookies: [cookie(Self.languageCookie, language.rawValue, maxAge: 31_536_000)])
    }

    // MARK: - Formatting

    /// `yyyy-MM-dd HH:mm:ss` in UTC (the log's times are UTC on every node).
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// Reads the `datetime-local` value of a filter (UTC); nil when absent or not a time.
    static func parseTime(_ text: String?) -> Date? {
        guard let text else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    static func number(_ value: Double?, digits: Int = 3) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.\(digits)f", value)
    }

    static func percent(_ value: Double) -> String {
        String(format: "%.2f %%", value * 100)
    }

    static func interval(_ bounds: [Double]?) -> String {
        guard let bounds, bounds.count == 2 else { return "" }
        return "[\(number(bounds[0])), \(number(bounds[1]))]"
    }
}
