/// One directive line of a rule file as the spam engine reads it: after `if`/`ifplugin`
/// conditionals, `include`s and comments, with a `lang xx` prefix taken off. `moat rules lint`
/// checks these lines, so lint and engine never read a file two ways.
public struct RuleLine: Sendable, Hashable {
    /// The directive, lower-cased (`body`, `score`, `describe`, ...).
    public var directive: String
    /// The rest of the line, trimmed.
    public var value: String
    public var file: String
    /// 1-based.
    public var line: Int

    public init(directive: String, value: String, file: String, line: Int) {
        self.directive = directive
        self.value = value
        self.file = file
        self.line = line
    }
}

/// The engine's reading of rule files, line by line, for tools that check them.
public enum RuleFileOutline {
    /// Every active directive line of `paths` (files, or directories of `*.cf`, as the engine
    /// loads them), and the files that could not be read.
    public static func read(_ paths: [String]) -> (lines: [RuleLine], unreadable: [String]) {
        var parser = RuleFileParser()
        parser.load(paths: paths)
        let result = parser.finish()
        let unreadable = result.skipped.filter { $0.name == "-" && $0.detail == "cannot read file" }.map(\.location)
        return (result.lines, unreadable)
    }
}
