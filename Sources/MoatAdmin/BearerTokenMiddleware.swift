import Hummingbird
import HTTPTypes

/// Refuses every request without a valid bearer token (compared in constant time, never logged),
/// and tells the routes who called: the admin token is the global operator, a tenant token one
/// tenant's operator.
struct BearerTokenMiddleware: RouterMiddleware {
    let token: AdminToken
    /// Tenant id → its tokens.
    let tenantTokens: [(tenant: String, token: AdminToken)]

    func handle(_ request: Request, context: AdminRequestContext, next: (Request, AdminRequestContext) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        var context = context
        if header.hasPrefix(prefix) {
            let given = String(header.dropFirst(prefix.count))
            if token.matches(given) {
                context.caller = .global
            } else if let scoped = tenantTokens.first(where: { $0.token.matches(given) }) {
                context.caller = .tenant(scoped.tenant)
            }
        }
        guard context.caller != .anonymous else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer realm=\"moat\""
            return Response(status: .unauthorized, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"error\":\"a valid bearer token is required\"}\n")))
        }
        return try await next(request, context)
    }
}
