import Foundation
import Hummingbird
import MoatAdmin
import MoatCore
import MoatStore

extension Console {
    func quarantinePage(_ request: Request, _ session: ConsoleSession) async throws -> Response {
        let language = language(request)
        let store = api.supervisor.store
        let entries = try await store.quarantined(limit: 200, tenant: session.caller.tenant)
        var rows: [[String: String]] = []
        for entry in entries {
            let entry = api.scoped(entry, for: session.caller)
            let record = try await store.scan(id: entry.scanID)
            rows.append([
                "id": entry.scanID, "at": Self.time(entry.at), "from": entry.mailFrom ?? "", "to": entry.recipients.joined(separator: ", "),
                "subject": record?.subject ?? "", "reason": entry.reason, "flagged": record.map(Self.flagged) ?? "",
                "released": entry.releasedAt.map(Self.time) ?? "",
            ])
        }
        // Deleted entries are gone from the list; their records say who deleted them.
        let actions = session.caller == .global ? try await store.quarantineActions(scanID: nil, limit: 20).map(Self.actionRow) : []
        return page(request, session, section: .quarantine, title: language.text("quarantine"), template: "quarantine",
                    values: ["rows": rows, "actions": actions, "hasActions": !actions.isEmpty], notice: notice(request))
    }

    static func actionRow(_ action: QuarantineAction) -> [String: String] {
        ["at": time(action.at), "id": action.scanID, "kind": action.kind.rawValue, "actor": action.actor, "detail": action.detail]
    }

    func heldPage(_ request: Request, _ session: ConsoleSession, id: String) async throws -> Response {
        let language = language(request)
        guard let found = try await api.supervisor.store.quarantined(scanID: id) else { throw HTTPError(.notFound, message: "no quarantined message \(id)") }
        try session.caller.requireAccess(to: found.tenants, "quarantined message \(id)")
        let entry = api.scoped(found, for: session.caller)
        let record = try await api.supervisor.store.scan(id: id)
        var values: [String: Any] = [
            "id": entry.scanID, "at": Self.time(entry.at), "reason": entry.reason, "from": entry.mailFrom ?? "",
            "to": entry.recipients.joined(separator: ", "), "queueID": entry.queueID ?? "", "flagged": record.map(Self.flagged) ?? "",
            "released": entry.releasedAt.map(Self.time) ?? "", "csrf": session.csrf,
            "actions": try await api.supervisor.store.quarantineActions(scanID: id, limit: 20).map(Self.actionRow),
        ]
        if let raw = entry.raw {
            let preview = MessagePreview(raw: raw, limits: api.runtime.configuration.limits, htmlLabel: language.text("htmlSource"),
                                         notShown: { language.text("notShown", "\($0)") })
            values["preview"] = ["headers": preview.headers, "parts": preview.parts.map { ["label": $0.label, "text": $0.text] }] as [String: Any]
        }
        return page(request, session, section: .quarantine, title: "\(language.text("quarantine")): \(entry.scanID)", template: "held",
                    values: values, notice: notice(request))
    }

    /// Release through the configured release command, like `POST /quarantine/ID/release`.
    func release(_ session: ConsoleSession, id: String) async throws -> Response {
        _ = try await api.releaseQuarantined(id, caller: session.caller, actor: session.actor)
        return after("/console/quarantine/\(ConsoleForm.escapeQuery(id))", done: "released")
    }

    func delete(_ session: ConsoleSession, id: String) async throws -> Response {
        try await api.deleteQuarantined(id, caller: session.caller, actor: session.actor)
        return after("/console/quarantine", done: "deleted")
    }
}
