import Foundation
import Hummingbird
import MoatAdmin
import MoatCore

extension Console {
    static let windows = [1, 7, 30, 90]

    /// Days of the chosen window (7 unless one of `windows` is asked for).
    func windowDays(_ request: Request) -> Int {
        ConsoleForm.query(request, "days").flatMap(Int.init).flatMap { Self.windows.contains($0) ? $0 : nil } ?? 7
    }

    /// Precision and recall per engine over the window, from the labelled decisions in the store
    /// (the same counting as the live tracker), and per day for the charts.
    struct WindowFigures {
        var overall: [String: EngineStatistics] = [:]
        var days: [Date] = []
        var daily: [[String: EngineStatistics]] = []
        /// Verdicts, failures and time per engine per day of the window, from the verdict log.
        var activity: [String: [Date: EngineDay]] = [:]

        /// Scans, failures and mean time of `engine` over the whole window.
        func totals(_ engine: String) -> (scans: Int, errors: Int, timeouts: Int, meanMilliseconds: Double?) {
            let days = activity[engine]?.values.map { $0 } ?? []
            let scans = days.reduce(0) { $0 + $1.scans }
            let time = days.reduce(0.0) { $0 + $1.meanMilliseconds * Double($1.scans) }
            return (scans, days.reduce(0) { $0 + $1.errors }, days.reduce(0) { $0 + $1.timeouts }, scans > 0 ? time / Double(scans) : nil)
        }
    }

    func windowFigures(days: Int) async throws -> WindowFigures {
        let end = now()
        let dayLength = 86_400.0
        let firstDay = Date(timeIntervalSince1970: ((end.timeIntervalSince1970 / dayLength).rounded(.down) - Double(days - 1)) * dayLength)
        let labelled = try await api.supervisor.store.labelledScans(since: firstDay, limit: 200_000)
        let settings = PrecisionTracker.Settings(window: 1_000_000, maxAgeDays: Double(days + 1), scanWindow: 1)
        let overall = PrecisionTracker(settings: settings)
        let perDay = (0..<days).map { _ in PrecisionTracker(settings: settings) }
        for (record, feedback) in labelled {
            overall.label(record, truth: feedback.trueClass, at: feedback.at)
            let index = Int((record.receivedAt.timeIntervalSince1970 - firstDay.timeIntervalSince1970) / dayLength)
            if perDay.indices.contains(index) { perDay[index].label(record, truth: feedback.trueClass, at: feedback.at) }
        }
        var figures = WindowFigures()
        for statistics in overall.allStatistics() { figures.overall[statistics.engine] = statistics }
        figures.days = (0..<days).map { firstDay.addingTimeInterval(Double($0) * dayLength) }
        figures.daily = perDay.map { tracker in
            Dictionary(tracker.allStatistics().map { ($0.engine, $0) }, uniquingKeysWith: { first, _ in first })
        }
        for day in try await api.supervisor.store.engineDays(since: firstDay) { figures.activity[day.engine, default: [:]][day.day] = day }
        return figures
    }

    static func categoryRows(_ statistics: EngineStatistics?) -> [[String: String]] {
        guard let statistics else { return [] }
        return statistics.categories.keys.sorted().compactMap { category in
            // A category the engine never claimed and never missed says nothing.
            guard let figures = statistics.categories[category], figures.precision != nil || figures.recall != nil else { return nil }
            return [
                "category": category, "precision": number(figures.precision), "recall": number(figures.recall),
                "precisionInterval": interval(figures.precisionInterval), "recallInterval": interval(figures.recallInterval),
                "samples": "\(figures.counts.samples)",
            ]
        }
    }

    /// "errors / timeouts of N scans, mean M ms" over the window, or a dash without scans.
    static func windowActivity(_ totals: (scans: Int, errors: Int, timeouts: Int, meanMilliseconds: Double?)) -> [String: String] {
        guard totals.scans > 0 else { return ["scans": "0", "errorRate": "–", "timeoutRate": "–", "mean": "–"] }
        return ["scans": "\(totals.scans)", "errorRate": percent(Double(totals.errors) / Double(totals.scans)),
                "timeoutRate": percent(Double(totals.timeouts) / Double(totals.scans)), "mean": number(totals.meanMilliseconds, digits: 1)]
    }

    static func latency(_ statistics: EngineStatistics) -> String {
        "\(number(statistics.latencyP50Milliseconds, digits: 1)) / \(number(statistics.latencyP99Milliseconds, digits: 1)) ms"
    }

    func enginesPage(_ request: Request, _ session: ConsoleSession) async throws -> Response {
        try session.caller.requireGlobal("the engine list")
        let language = language(request)
        let days = windowDays(request)
        let figures = try await windowFigures(days: days)
        let rows: [[String: Any]] = api.engines().map { engine in
            [
                "name": engine.name, "state": engine.state.rawValue, "adapter": engine.adapter, "weight": Self.number(engine.weight, digits: 2),
                "timeout": "\(engine.timeoutMilliseconds)", "errorRate": Self.percent(engine.statistics.errorRate),
                "timeoutRate": Self.percent(engine.statistics.timeoutRate), "latency": Self.latency(engine.statistics),
                "categories": Self.categoryRows(figures.overall[engine.name]), "days": "\(days)",
                "window": Self.windowActivity(figures.totals(engine.name)),
            ]
        }
        return page(request, session, section: .engines, title: language.text("engines"), template: "engines", values: [
            "rows": rows, "days": "\(days)", "windows": Self.windows.map { ["value": "\($0)", "selected": $0 == days] as [String: Any] },
        ], notice: notice(request))
    }

    func enginePage(_ request: Request, _ session: ConsoleSession, name: String) async throws -> Response {
        try session.caller.requireGlobal("an engine's figures")
        guard let engine = api.engines().first(where: { $0.name == name }) else { throw HTTPError(.notFound, message: "no engine named \(name)") }
        let language = language(request)
        let days = windowDays(request)
        let figures = try await windowFigures(days: days)
        let history = try await api.supervisor.store.stateChanges(engine: name, limit: 50)
        let lastPolicy = try await api.supervisor.store.stateChanges(engine: name, actor: "policy", limit: 1).first
        let dayFormat = DateFormatter()
        dayFormat.locale = Locale(identifier: "en_US_POSIX")
        dayFormat.timeZone = TimeZone(secondsFromGMT: 0)
        dayFormat.dateFormat = "MM-dd"
        let categories = Set(figures.daily.flatMap { $0[name]?.categories.filter { $0.value.precision != nil }.keys.map { $0 } ?? [] }).sorted()
        let labels = figures.days.map { dayFormat.string(from: $0) }
        let chart = SVGChart.lines(
            title: language.text("dailyPrecision"), days: labels,
            series: categories.map { category in
                (name: category, values: figures.daily.map { $0[name]?.categories[category]?.precision })
            }
        )
        let recalled = Set(figures.daily.flatMap { $0[name]?.categories.filter { $0.value.recall != nil }.keys.map { $0 } ?? [] }).sorted()
        let recallChart = SVGChart.lines(
            title: language.text("dailyRecall"), days: labels,
            series: recalled.map { category in (name: category, values: figures.daily.map { $0[name]?.categories[category]?.recall }) }
        )
        let activity = figures.days.map { figures.activity[name]?[$0] }
        let failureChart = SVGChart.lines(
            title: language.text("dailyFailures"), days: labels,
            series: [
                (name: language.text("errorRate"), values: activity.map { $0.map { Double($0.errors) / Double(max(1, $0.scans)) } }),
                (name: language.text("timeoutRate"), values: activity.map { $0.map { Double($0.timeouts) / Double(max(1, $0.scans)) } }),
            ]
        )
        let slowest = activity.compactMap { $0?.maxMilliseconds }.max() ?? 1
        let timeChart = SVGChart.lines(
            title: language.text("dailyTime"), days: labels,
            series: [
                (name: language.text("mean"), values: activity.map { $0?.meanMilliseconds }),
                (name: language.text("slowest"), values: activity.map { $0?.maxMilliseconds }),
            ],
            maximum: slowest
        )
        let values: [String: Any] = [
            "name": engine.name, "state": engine.state.rawValue, "adapter": engine.adapter, "weight": Self.number(engine.weight, digits: 2),
            "timeout": "\(engine.timeoutMilliseconds)", "errorRate": Self.percent(engine.statistics.errorRate),
            "timeoutRate": Self.percent(engine.statistics.timeoutRate), "latency": Self.latency(engine.statistics),
            "removal": engine.removal.map { Self.describe($0, in: language) } ?? language.text("noRemovalPolicy"),
            "lastFired": lastPolicy.map { "\(Self.time($0.at)): \($0.from.rawValue) → \($0.to.rawValue) (\($0.reason))" } ?? language.text("never"),
            "categories": Self.categoryRows(figures.overall[name]),
            "windowTable": ["table": "figures", "rows": Self.categoryRows(figures.overall[name])] as [String: Any],
            "liveTable": ["table": "live", "rows": Self.categoryRows(engine.statistics)] as [String: Any],
            "dailyChart": chart, "recallChart": recallChart, "failureChart": failureChart, "timeChart": timeChart, "csrf": session.csrf,
            "window": Self.windowActivity(figures.totals(name)), "days": "\(days)",
            "windows": Self.windows.map { ["value": "\($0)", "selected": $0 == days] as [String: Any] },
            "states": EngineState.allCases.map { ["value": $0.rawValue, "selected": $0 == engine.state] as [String: Any] },
            "history": history.map { ["at": Self.time($0.at), "from": $0.from.rawValue, "to": $0.to.rawValue, "actor": $0.actor, "reason": $0.reason] },
            "status": engine.status.keys.sorted().map { ["key": $0, "value": engine.status[$0] ?? ""] },
        ]
        return page(request, session, section: .engines, title: "\(language.text("engine")): \(name)", template: "engine", values: values,
                    notice: notice(request))
    }

    static func describe(_ policy: RemovalPolicy, in language: ConsoleLanguage) -> String {
        var parts: [String] = []
        if let precision = policy.minPrecision {
            parts.append(language.text("policyPrecision", number(precision, digits: 3), "\(policy.minSamples)", policy.precisionAction.rawValue))
        }
        if let rate = policy.maxErrorRate {
            parts.append(language.text("policyErrors", percent(rate), "\(policy.minScansForErrorRate)", policy.errorAction.rawValue))
        }
        return parts.isEmpty ? "–" : parts.joined(separator: "; ")
    }

    func changeState(_ fields: [String: String], _ session: ConsoleSession, name: String) async throws -> Response {
        try session.caller.requireGlobal("changing an engine's state")
        guard let state = fields["state"].flatMap(EngineState.init(rawValue:)) else { throw HTTPError(.badRequest, message: "state must be active, shadow or disabled") }
        let reason = (fields["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 500 else { throw HTTPError(.badRequest, message: "give a reason (at most 500 characters)") }
        do {
            _ = try await api.supervisor.setState(engine: name, to: state, actor: session.actor, reason: reason)
        } catch let error as EngineRegistry.RegistryError {
            throw HTTPError(.notFound, message: error.description)
        }
        return after("/console/engines/\(ConsoleForm.escapeQuery(name))", done: "stateChanged")
    }
}
