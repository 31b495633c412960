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
        return page(request, session, section: .quarantine, title: language.text("quarantine"), template: "quarantine", values: ["rows": rows],
                    notice: notice(request))
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
        ]
        if let raw = entry.raw {
            let preview = MessagePreview(raw: raw, limits: api.runtime.configuration.limits, htmlLabel: language.text("htmlSource"))
            values["preview"] = ["headers": preview.headers, "parts": preview.parts.map { ["label": $0.label, "text": $0.text] }] as [String: Any]
        }
        return page(request, session, section: .quarantine, title: "\(language.text("quarantine")): \(entry.scanID)", template: "held",
                    values: values, notice: notice(request))
    }

    /// Release through the configured release command, like `POST /quarantine/ID/release`.
    func release(_ session: ConsoleSession, id: String) async throws -> Response {
        guard let entry = try await api.supervisor.store.quarantined(scanID: id) else { throw HTTPError(.notFound, message: "no quarantined message \(id)") }
        try session.caller.requireSoleAccess(to: entry.tenants, "quarantined message \(id)")
        let output = try await api.release(entry)
        _ = try await api.supervisor.store.markReleased(scanID: id, at: now())
        api.logger.notice("quarantined message released from the console", metadata: [
            "scan.id": "\(id)", "console.actor": "\(session.actor)", "release.output": "\(output.prefix(200))",
        ])
        return after("/console/quarantine/\(ConsoleForm.escapeQuery(id))", done: "released")
    }

    func delete(_ session: ConsoleSession, id: String) async throws -> Response {
        guard let entry = try await api.supervisor.store.quarantined(scanID: id) else { throw HTTPError(.notFound, message: "no quarantined message \(id)") }
        try session.caller.requireSoleAccess(to: entry.tenants, "quarantined message \(id)")
        guard try await api.supervisor.store.deleteQuarantined(scanID: id) else { throw HTTPError(.notFound, message: "no quarantined message \(id)") }
        api.logger.notice("quarantined message deleted from the console", metadata: ["scan.id": "\(id)", "console.actor": "\(session.actor)"])
        return after("/console/quarantine", done: "deleted")
    }
}
