import Foundation

/// This process's resident memory, for benchmarks that must show memory stays bounded.
enum ResidentMemory {
    /// Highest resident set size so far (`getrusage`; kilobytes on Linux).
    static var peakMegabytes: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Resident set size now, from `/proc/self/statm` (0 where it does not exist).
    static var currentMegabytes: Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
}
