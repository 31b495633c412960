#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one scanner command to completion, blocking: no shell, its own process group, a deadline
/// that kills the whole group, and output kept up to a limit. Use it only on the blocking pool.
enum ScannerProcess {
    struct Outcome: Sendable, Equatable {
        /// Exit code, or nil when the process was ended by a signal.
        var exitCode: Int32?
        var signal: Int32?
        /// Standard output and standard error, interleaved, at most the limit.
        var output: [UInt8]
        var outputTruncated: Bool
    }

    /// Runs `arguments` (the first is the program, looked up in `PATH`) with `input` on standard
    /// input (nil: `/dev/null`). At `deadline` the process group gets SIGKILL and this throws.
    static func run(_ arguments: [String], input: [UInt8]?, outputLimit: Int, timeout: Duration) throws(ExternalError) -> Outcome {
        let program = arguments[0]
        let deadline = ContinuousClock.now + timeout
        var outputPipe: [Int32] = [-1, -1]
        var inputPipe: [Int32] = [-1, -1]
        guard makePipe(&outputPipe) else { throw .command(program: program, reason: "pipe: \(String(cString: strerror(errno)))") }
        defer { for fd in outputPipe where fd >= 0 { close(fd) } }
        if input != nil {
            // A socket pair rather than a pipe, so writing to a scanner that stopped reading gives
            // EPIPE through `send(MSG_NOSIGNAL)` instead of a process-killing SIGPIPE.
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &inputPipe) == 0 else { throw .command(program: program, reason: "pipe: \(String(cString: strerror(errno)))") }
        }
        defer { for fd in inputPipe where fd >= 0 { close(fd) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if input != nil {
            posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group (so a timeout can kill everything the scanner started), default
        // signal handling and an empty signal mask whatever the calling thread had.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        // Every signal back to its default: dispositions set to "ignore" survive exec, and a scanner
        // (or a daemon a test script starts) that inherits an ignored SIGTERM cannot be stopped.
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, program, &actions, &attributes, &argv, environ)
        guard spawned == 0 else { throw .command(program: program, reason: "cannot run: \(String(cString: strerror(spawned)))") }

        // The child has its copies; close ours so end of output is seen when it exits.
        close(outputPipe[1]); outputPipe[1] = -1
        if input != nil { close(inputPipe[0]); inputPipe[0] = -1 }
        _ = fcntl(outputPipe[0], F_SETFL, fcntl(outputPipe[0], F_GETFL) | O_NONBLOCK)
        if inputPipe[1] >= 0 { _ = fcntl(inputPipe[1], F_SETFL, fcntl(inputPipe[1], F_GETFL) | O_NONBLOCK) }

        var output: [UInt8] = []
        var truncated = false
        var written = 0
        let pending = input ?? []
        var outputOpen = true
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        if input != nil && pending.isEmpty { close(inputPipe[1]); inputPipe[1] = -1 }

        while outputOpen || inputPipe[1] >= 0 {
            let remaining = deadline - .now
            guard remaining > .zero else {
                killGroup(pid)
                throw .timedOut(peer: program, milliseconds: timeout.wholeMilliseconds)
            }
            var entries = [pollfd]()
            if outputOpen { entries.append(pollfd(fd: outputPipe[0], events: Int16(POLLIN), revents: 0)) }
            if inputPipe[1] >= 0 { entries.append(pollfd(fd: inputPipe[1], events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&entries, nfds_t(entries.count), Int32(clamping: max(1, min(remaining.wholeMilliseconds, 100))))
            if ready < 0 && errno != EINTR {
                killGroup(pid)
                throw .command(program: program, reason: "poll: \(String(cString: strerror(errno)))")
            }
            for entry in entries where entry.revents != 0 {
                if entry.fd == outputPipe[0] {
                    let count = buffer.withUnsafeMutableBytes { read(outputPipe[0], $0.baseAddress, $0.count) }
                    if count > 0 {
                        let room = max(0, outputLimit - output.count)
                        output += buffer[0..<min(count, room)]
                        if count > room { truncated = true }
                    } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                        outputOpen = false
                    }
                } else {
                    let count = pending.withUnsafeBytes { send(inputPipe[1], $0.baseAddress! + written, $0.count - written, Int32(MSG_NOSIGNAL)) }
                    if count > 0 { written += count }
                    // EPIPE: the scanner stopped reading, which is its business; its exit code decides.
                    if written == pending.count || (count < 0 && errno != EAGAIN && errno != EINTR) {
                        close(inputPipe[1]); inputPipe[1] = -1
                    }
                }
            }
            // The scanner may exit while a child it left behind keeps the output open.
            if outputOpen, hasExited(pid) {
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(outputPipe[0], $0.baseAddress, $0.count) }
                    guard count > 0 else { break }
                    let room = max(0, outputLimit - output.count)
                    output += buffer[0..<min(count, room)]
                    if count > room { truncated = true }
                }
                outputOpen = false
                if inputPipe[1] >= 0 { close(inputPipe[1]); inputPipe[1] = -1 }
            }
        }
        // Wait for the exit within the deadline, then clean up the group before reaping the leader
        // (a zombie leader keeps its pid, so the group id cannot have been reused).
        while !hasExited(pid) {
            guard ContinuousClock.now < deadline else {
                killGroup(pid)
                throw .timedOut(peer: program, milliseconds: timeout.wholeMilliseconds)
            }
            usleep(1000)
        }
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return Outcome(exitCode: signal == 0 ? (status >> 8) & 0xff : nil, signal: signal == 0 ? nil : signal,
                       output: output, outputTruncated: truncated)
    }

    /// A pipe whose ends close on exec (Glibc's module does not export `pipe2`; a descriptor that
    /// leaks into a sibling's child in between only delays end-of-output, which `hasExited` covers).
    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        guard pipe(&ends) == 0 else { return false }
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// Whether the process has exited, without reaping it.
    private static func hasExited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return true }
        return info._sifields._sigchld.si_pid == pid
    }

    /// SIGKILL to the whole process group, then reap the leader.
    private static func killGroup(_ pid: pid_t) {
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}
