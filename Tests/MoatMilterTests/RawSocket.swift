import Foundation
import Glibc

/// A plain blocking TCP socket for sending deliberately broken bytes to the server.
enum RawSocket {
    /// Sends `bytes` to 127.0.0.1:`port` and reports whether the server closed the connection within 60 s.
    static func sendAndWaitForClose(port: Int, bytes: [UInt8]) async throws -> Bool {
        // Blocking socket calls run on a thread of their own, never on the cooperative pool.
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: blockingSendAndWaitForClose(port: port, bytes: bytes)) }.start()
        }
    }

    private static func blockingSendAndWaitForClose(port: Int, bytes: [UInt8]) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 64)
        let received = recv(fd, &buffer, buffer.count, 0)
        return received == 0
    }
}
