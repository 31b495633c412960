import ArgumentParser

/// Where the running daemon's admin API is and how to authenticate to it.
struct AdminOptions: ParsableArguments {
    @Option(name: .long, help: "moatd's admin API base URL.")
    var admin = "http://127.0.0.1:7358"

    @Option(name: .long, help: "Bearer token (default: $MOAT_ADMIN_TOKEN, else the token file).")
    var token: String?

    @Option(name: .long, help: "File holding the token moatd generated.")
    var tokenFile = "var/admin.token"
}
