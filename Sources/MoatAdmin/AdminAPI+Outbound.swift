import Foundation
import Hummingbird
import MoatCore
import MoatOutbound

/// Outbound protection in the admin API: held mail (and its recall), alerts about senders that
/// departed from their baseline, and paused senders.
extension AdminAPI {
    struct RecallRequest: Decodable {
        var token: String?
    }

    struct BlockedSender: Encodable {
        var sender: String
        var blockedUntil: Date?
        var trips: Int
        var current: OutboundCounts
    }

    func addOutboundRoutes(_ api: RouterGroup<AdminRequestContext>, router: Router<AdminRequestContext>) {
        api.get("/outbound/held") { request, context in
            try context.caller.requireGlobal("held outbound mail")
            let outbound = try self.requireOutbound()
            let state = try request.uri.queryParameters["state"].map { value in
                guard let state = HeldMessage.State(rawValue: String(value)) else {
                    throw HTTPError(.badRequest, message: "state must be one of \(HeldMessage.State.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return state
            }
            let limit = request.uri.queryParameters["limit"].flatMap { Int($0) } ?? 100
            return try Self.json(try await outbound.holds.list(state: state, limit: min(max(limit, 1), 1000)))
        }
        // The sender recalls with the token from the send-hold notice, so this route is outside
        // the bearer-token group; an operator may recall with the admin token instead.
        router.post("/outbound/held/:id/recall") { request, context in
            let outbound = try self.requireOutbound()
            let id = try context.parameters.require("id")
            let header = request.headers[.authorization] ?? ""
            let operatorCall = header.hasPrefix("Bearer ") && self.token.matches(String(header.dropFirst("Bearer ".count)))
            var token: String?
            if !operatorCall {
                token = try await Self.decode(RecallRequest.self, request, limit: 4096).token
                guard token?.isEmpty == false else { throw HTTPError(.unauthorized, message: "the recall token (or the admin token) is required") }
            }
            do {
                let message = try await outbound.holds.recall(id: id, token: token, actor: operatorCall ? "operator" : "sender")
                return try Self.json(message)
            } catch let error as SendHoldQueue.RecallError {
                switch error {
                case .notFound: throw HTTPError(.notFound, message: error.description)
                case .forbidden: throw HTTPError(.forbidden, message: error.description)
                case .notHeld, .busy: throw HTTPError(.conflict, message: error.description)
                case .deleteFailed: throw HTTPError(.badGateway, message: error.description)
                }
            }
        }
        api.get("/outbound/alerts") { request, context in
            try context.caller.requireGlobal("outbound alerts")
            let outbound = try self.requireOutbound()
            let limit = request.uri.queryParameters["limit"].flatMap { Int($0) } ?? 100
            let sender = request.uri.queryParameters["sender"].map { String($0).lowercased() }
            return try Self.json(try await outbound.alerts(sender: sender, limit: min(max(limit, 1), 1000)))
        }
        api.get("/outbound/senders/blocked") { _, context in
            try context.caller.requireGlobal("paused senders")
            let outbound = try self.requireOutbound()
            return try Self.json(await outbound.blockedSenders().map {
                BlockedSender(sender: $0.sender, blockedUntil: $0.activity.blockedUntil, trips: $0.activity.trips, current: $0.activity.current)
            })
        }
        api.delete("/outbound/senders/:sender/block") { _, context in
            try context.caller.requireGlobal("lifting a sender's pause")
            let outbound = try self.requireOutbound()
            let sender = try context.parameters.require("sender")
            guard await outbound.unblock(sender) else { throw HTTPError(.notFound, message: "\(sender) is not paused") }
            self.logger.info("outbound sender pause lifted", metadata: ["outbound.sender": "\(sender)"])
            return try Self.json(["sender": sender, "blocked": "no"])
        }
    }

    func requireOutbound() throws -> OutboundControl {
        guard let outbound else { throw HTTPError(.notFound, message: "outbound protection is not running in this process") }
        return outbound
    }
}
