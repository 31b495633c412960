import Hummingbird
import HTTPTypes

/// Refuses every request without the admin bearer token (compared in constant time, never logged).
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: AdminToken

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), token.matches(String(header.dropFirst(prefix.count))) else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer realm=\"moat\""
            return Response(status: .unauthorized, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"error\":\"a valid bearer token is required\"}\n")))
        }
        return try await next(request, context)
    }
}
