import Foundation

/// Reads the raw bytes of the messages named on the command line (`-` or nothing: standard input).
enum MessageSource {
    static func read(_ path: String) throws -> [UInt8] {
        if path == "-" {
            return Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw CLIError.unreadable(path, !exists ? "no such file" : isDirectory.boolValue ? "is a directory" : "permission denied")
        }
        return Array(data)
    }
}
