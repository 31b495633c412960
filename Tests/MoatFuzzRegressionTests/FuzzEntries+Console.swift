import MoatConsole

/// Entry point of the `consoleform` fuzz target, shared with the regression replay.
enum ConsoleFuzzEntries {
    /// Form fields, cookies and Accept-Language from the same bytes. Oracle: encoding the decoded
    /// fields and decoding them again gives the same fields (what the console writes into links,
    /// it reads back unchanged).
    static func form(_ data: [UInt8]) {
        let text = String(decoding: data, as: UTF8.self)
        let fields = FormDecoding.fields(text)
        precondition(FormDecoding.fields(FormDecoding.encode(fields)) == fields, "form fields do not survive encoding")
        blackHole(FormDecoding.cookies([text]).count &+ ConsoleLanguage.preferred(text).rawValue.count)
    }
}
