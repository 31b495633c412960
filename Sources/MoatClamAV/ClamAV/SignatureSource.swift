#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A signature database path (a file, or a directory libclamav loads every database file of).
struct SignatureSource: Sendable, Hashable {
    var path: String
    /// Set for the system directory (`/var/lib/clamav`): skipped quietly when it has no files.
    var isSystem: Bool = false

    /// Why this source cannot be loaded at all, or `nil` to try `cl_load`.
    func unloadableReason() -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "does not exist" }
        if (info.st_mode & S_IFMT) == S_IFDIR, Self.entries(of: path).isEmpty {
            return "empty directory"
        }
        return nil
    }

    /// A value that changes whenever a database file here is added, removed, replaced or edited.
    ///
    /// Like `cl_statchkdir`, it compares name, inode, size and modification time (to the
    /// nanosecond) of the top-level entries; libclamav does not recurse into sub-directories.
    func fingerprint() -> [String] {
        var info = stat()
        guard stat(path, &info) == 0 else { return ["\(path) missing"] }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return [Self.describe(path, info)] }
        return Self.entries(of: path).sorted().map { name in
            var entry = stat()
            let full = path + "/" + name
            return stat(full, &entry) == 0 ? Self.describe(full, entry) : "\(full) unreadable"
        }
    }

    private static func describe(_ path: String, _ info: stat) -> String {
        "\(path) \(info.st_ino) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }

    private static func entries(of directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }
}
