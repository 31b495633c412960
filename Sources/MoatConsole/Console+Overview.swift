import Foundation
import Hummingbird
import MoatCore

extension Console {
    /// Messages per hour by action, top findings, engines out of the vote, store and workers.
    func overview(_ request: Request, _ session: ConsoleSession) async throws -> Response {
        let language = language(request)
        let end = now()
        let since = Date(timeIntervalSince1970: (end.timeIntervalSince1970 / 3600).rounded(.down) * 3600 - 23 * 3600)
        let tenant = session.caller.tenant
        let store = api.supervisor.store
        var storeState = language.text("reachable")
        var counts: [ActionCount] = []
        var findings: [FindingCount] = []
        do {
            counts = try await store.actionCounts(since: since, tenant: tenant)
            findings = try await store.findingCounts(since: since, tenant: tenant, limit: 15)
        } catch {
            storeState = "\(language.text("unreachable")): \(error)"
        }
        let actions = Action.allCases
        var byHour: [Date: [Int]] = [:]
        for count in counts {
            guard let column = actions.firstIndex(of: count.action) else { continue }
            byHour[count.hour, default: Array(repeating: 0, count: actions.count)][column] += count.count
        }
        let hours = (0..<24).map { since.addingTimeInterval(Double($0) * 3600) }
        let hourFormat = DateFormatter()
        hourFormat.locale = Locale(identifier: "en_US_POSIX")
        hourFormat.timeZone = TimeZone(secondsFromGMT: 0)
        hourFormat.dateFormat = "MM-dd HH:00"
        let buckets = hours.map { (label: hourFormat.string(from: $0), values: byHour[$0] ?? Array(repeating: 0, count: actions.count)) }
        let chart = SVGChart.stackedBars(title: language.text("messagesPerHour"), buckets: buckets, series: actions.map(\.rawValue))
        let statistics = api.supervisor.writer.statistics
        let snapshot = api.runtime.registry.snapshot
        let outOfVote = snapshot.engines.filter { $0.manifest.state != .active }.map { ["name": $0.manifest.name, "state": $0.manifest.state.rawValue] }
        let isolation = api.runtime.configuration.isolation
        let pools = await api.runtime.pipeline.executor?.health() ?? []
        let values: [String: Any] = [
            "hourlyChart": chart,
            "actions": actions.map(\.rawValue),
            "hours": buckets.filter { $0.values.contains { $0 > 0 } }.map { ["label": $0.label, "counts": $0.values.map(String.init)] as [String: Any] },
            "findings": findings.map { ["code": $0.code, "count": "\($0.count)"] },
            "global": session.caller == .global,
            "outOfVote": outOfVote,
            "hasOutOfVote": !outOfVote.isEmpty,
            "store": "\(storeState); \(statistics.queued) \(language.text("pendingWrites")), \(statistics.written) \(language.text("written")), "
                + "\(statistics.droppedOverflow + statistics.droppedAfterFailure) \(language.text("dropped"))",
            "workers": "\(language.text("isolationMode")) \(isolation.mode.rawValue), \(language.text("enginesRunning")) \(snapshot.running.count), "
                + "\(language.text("generation")) \(snapshot.generation)",
            "pools": pools.map { ["pool": $0.pool, "ready": "\($0.ready) / \($0.size)", "restarts": "\($0.restarts)", "poison": "\($0.poisonEntries)"] },
            "hasPools": !pools.isEmpty,
        ]
        return page(request, session, section: .overview, title: language.text("overview"), template: "overview", values: values)
    }
}
