import Foundation

/// Per-process scratch directories (`<prefix><pid>`) engines make for C libraries and tools
/// (libclamav's extracted files, LibreOffice's profiles): a daemon that was killed leaves its own
/// behind, so the next one clears them.
public enum ScratchDirectories {
    /// Removes the directories beside `path` named `prefix` + a process id whose process no
    /// longer runs (never `path` itself).
    public static func removeAbandoned(beside path: String, prefix: String) {
        let parent = (path as NSString).deletingLastPathComponent
        let ownName = (path as NSString).lastPathComponent
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        for name in names where name.hasPrefix(prefix) && name != ownName {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid > 0 else { continue }
            if kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: parent + "/" + name)
            }
        }
    }
}
