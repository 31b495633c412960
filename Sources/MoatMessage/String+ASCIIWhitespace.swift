extension String {
    /// The string without leading and trailing spaces, tabs, CR and LF.
    func trimmingASCIIWhitespace() -> String {
        let u = Array(utf8)
        let r = ByteText.trimmedRange(u, 0..<u.count)
        if r.count == u.count { return self }
        return String(decoding: u[r], as: UTF8.self)
    }
}
