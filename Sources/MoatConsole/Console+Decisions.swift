import Foundation
import Hummingbird
import MoatAdmin
import MoatCore
import MoatStore

extension Console {
    /// The filters of the decision log, as typed in the form (echoed back into it).
    struct DecisionFilters {
        var values: [String: String] = [:]
        var query = ScanQuery(limit: Console.pageSize + 1)
        var page = 0

        init(_ request: Request, tenant: String?) {
            for name in ["since", "until", "sender", "recipient", "subject", "action", "category", "engine", "min_score", "max_score", "id"] {
                if let value = ConsoleForm.query(request, name) { values[name] = String(value.prefix(500)) }
            }
            query.from = Console.parseTime(values["since"])
            query.to = Console.parseTime(values["until"])
            query.sender = values["sender"]
            query.recipient = values["recipient"]
            query.subject = values["subject"]
            query.action = values["action"].flatMap(Action.init(rawValue:))
            query.category = values["category"].flatMap(VerdictCategory.init(rawValue:))
            query.engine = values["engine"]
            query.minimumScore = values["min_score"].flatMap(Double.init).flatMap { $0.isFinite ? $0 : nil }
            query.maximumScore = values["max_score"].flatMap(Double.init).flatMap { $0.isFinite ? $0 : nil }
            query.identifier = values["id"]
            query.tenant = tenant
            page = min(max(0, ConsoleForm.query(request, "page").flatMap(Int.init) ?? 0), 10_000)
            query.offset = page * Console.pageSize
        }

        /// The log's URL for another page with the same filters.
        func link(page: Int) -> String {
            var items = values.keys.sorted().map { "\($0)=\(ConsoleForm.escapeQuery(values[$0] ?? ""))" }
            if page > 0 { items.append("page=\(page)") }
            return "/console/decisions" + (items.isEmpty ? "" : "?" + items.joined(separator: "&"))
        }
    }

    static func flagged(_ record: ScanRecord) -> String {
        record.engines.filter { $0.category != nil }.map { "\($0.engine) (\($0.label))" }.joined(separator: ", ")
    }

    func decisionsPage(_ request: Request, _ session: ConsoleSession) async throws -> Response {
        let language = language(request)
        let filters = DecisionFilters(request, tenant: session.caller.tenant)
        var found = try await api.supervisor.store.searchScans(filters.query)
        let hasNext = found.count > Self.pageSize
        found = Array(found.prefix(Self.pageSize))
        let rows: [[String: String]] = found.map { record in
            let record = api.scoped(record, for: session.caller)
            return [
                "id": record.id, "at": Self.time(record.receivedAt), "from": record.mailFrom ?? "", "to": record.recipients.joined(separator: ", "),
                "subject": record.subject ?? "", "action": record.action.rawValue, "category": record.category?.rawValue ?? "",
                "score": Self.number(record.score, digits: 2), "flagged": Self.flagged(record),
            ]
        }
        let q = filters.values
        let engineNames = api.runtime.registry.snapshot.engines.map(\.manifest.name)
        func options(_ all: [String], _ selected: String?) -> [[String: Any]] {
            all.map { ["value": $0, "selected": $0 == selected] }
        }
        var values: [String: Any] = [
            "rows": rows,
            "q": ["since": q["since"] ?? "", "until": q["until"] ?? "", "sender": q["sender"] ?? "", "recipient": q["recipient"] ?? "",
                  "subject": q["subject"] ?? "", "minScore": q["min_score"] ?? "", "maxScore": q["max_score"] ?? "", "identifier": q["id"] ?? ""],
            "actionOptions": options(Action.allCases.map(\.rawValue), q["action"]),
            "categoryOptions": options(VerdictCategory.allCases.map(\.rawValue), q["category"]),
            "engineOptions": options(engineNames, q["engine"]),
        ]
        if filters.page > 0 { values["previous"] = filters.link(page: filters.page - 1) }
        if hasNext { values["next"] = filters.link(page: filters.page + 1) }
        return page(request, session, section: .decisions, title: language.text("decisions"), template: "decisions", values: values)
    }

    func decisionPage(_ request: Request, _ session: ConsoleSession, id: String) async throws -> Response {
        let language = language(request)
        guard let found = try await api.supervisor.store.scan(id: id) else { throw HTTPError(.notFound, message: "no decision \(id)") }
        try session.caller.requireAccess(to: found.tenants, "decision \(id)")
        let record = api.scoped(found, for: session.caller)
        let detail = record.detail
        let engines: [[String: Any]] = (detail?.decision.engines).map { verdicts in
            verdicts.map { verdict in
                let findings = verdict.findings.map { finding in
                    ["code": finding.code, "detail": finding.detail, "score": finding.score == 0 ? "" : Self.number(finding.score, digits: 2),
                     "part": finding.partPath ?? ""]
                }
                return ["engine": verdict.engine, "verdict": verdict.verdict, "state": verdict.state.rawValue, "score": Self.number(verdict.score, digits: 2),
                        "elapsed": Self.number(verdict.elapsedMilliseconds, digits: 1), "findings": findings, "hasFindings": !findings.isEmpty,
                        "error": verdict.error ?? ""] as [String: Any]
            }
        } ?? record.engines.map { entry in
            ["engine": entry.engine, "verdict": entry.label, "state": entry.state.rawValue, "score": Self.number(entry.score, digits: 2),
             "elapsed": Self.number(entry.elapsedMilliseconds, digits: 1), "findings": [[String: String]](), "hasFindings": false, "error": ""]
        }
        let messageFindings = (detail?.decision.messageFindings ?? []).map { ["code": $0.code, "detail": $0.detail] }
        let reasons = (detail?.decision.reasons ?? []).map { reason in
            ["engine": reason.engine, "label": reason.label, "score": Self.number(reason.weightedScore, digits: 2),
             "counted": language.text(reason.counted ? "yes" : "no"), "action": reason.action.rawValue]
        }
        let headers = (detail?.decision.headers ?? []).map { ["name": $0.name, "value": $0.value] }
        let disarmed = detail?.decision.replacedParts ?? []
        let parts = (detail?.parts ?? []).map { part in
            ["path": part.path, "contentType": part.contentType, "filename": part.filename ?? "", "bytes": "\(part.bytes)", "depth": "\(min(part.depth, 4))"]
        }
        let values: [String: Any] = [
            "id": record.id, "at": Self.time(record.receivedAt), "action": record.action.rawValue, "category": record.category?.rawValue ?? "–",
            "score": Self.number(record.score, digits: 2), "from": record.mailFrom ?? "", "to": record.recipients.joined(separator: ", "),
            "subject": record.subject ?? "", "messageID": record.messageID ?? "", "queueID": record.queueID ?? "",
            "tenants": record.tenants.joined(separator: ", "), "isolation": record.isolation ?? "",
            "truncated": detail?.truncated ?? false,
            "engines": engines, "messageFindings": messageFindings, "hasMessageFindings": !messageFindings.isEmpty,
            "reasons": reasons, "hasReasons": !reasons.isEmpty, "headers": headers, "hasHeaders": !headers.isEmpty,
            "disarmed": disarmed, "hasDisarmed": !disarmed.isEmpty, "parts": parts, "csrf": session.csrf,
        ]
        return page(request, session, section: .decisions, title: "\(language.text("decisions")): \(record.id)", template: "decision",
                    values: values, notice: notice(request))
    }

    func feedback(_ fields: [String: String], _ session: ConsoleSession, id: String) async throws -> Response {
        guard let truth = fields["class"].flatMap(TrueClass.init(rawValue:)) else { throw HTTPError(.badRequest, message: "class must be ham, spam, phishing or malware") }
        if session.caller != .global {
            guard let record = try await api.supervisor.scanRecord(id: id) else { throw HTTPError(.notFound, message: "no decision \(id)") }
            try session.caller.requireAccess(to: record.tenants, "decision \(id)")
        }
        do {
            _ = try await api.supervisor.feedback(scanID: id, truth: truth, source: session.actor)
        } catch let error as EngineSupervisor.SupervisorError {
            throw HTTPError(.notFound, message: error.description)
        }
        return after("/console/decisions/\(ConsoleForm.escapeQuery(id))", done: "feedbackRecorded")
    }
}
