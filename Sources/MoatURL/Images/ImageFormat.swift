/// Image formats that QR codes are read from, recognised by their magic bytes, not the declared type.
public enum ImageFormat: String, Sendable, Hashable {
    case png, jpeg, gif, webp

    /// The format of `data`, or nil when it is none of these.
    public init?(sniffing data: [UInt8]) {
        if data.count >= 8, data[0] == 0x89, data[1] == 0x50, data[2] == 0x4E, data[3] == 0x47 {
            self = .png
        } else if data.count >= 3, data[0] == 0xFF, data[1] == 0xD8, data[2] == 0xFF {
            self = .jpeg
        } else if data.count >= 6, data[0] == 0x47, data[1] == 0x49, data[2] == 0x46, data[3] == 0x38 {
            self = .gif
        } else if data.count >= 12, data[0] == 0x52, data[1] == 0x49, data[2] == 0x46, data[3] == 0x46,
                  data[8] == 0x57, data[9] == 0x45, data[10] == 0x42, data[11] == 0x50 {
            self = .webp
        } else {
            return nil
        }
    }
}
