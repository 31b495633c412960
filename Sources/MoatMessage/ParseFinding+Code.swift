extension ParseFinding {
    /// Every finding code the parser emits, in one place.
    ///
    /// Codes are stable: engines and policies match on them. Add new ones here; never rename.
    public enum Code {
        /// The message is larger than `max_message_bytes`; only the prefix was parsed.
        public static let limitMessageBytes = "mime.limit.message_bytes"
        /// More parts than `max_parts`; later parts were not created.
        public static let limitParts = "mime.limit.parts"
        /// Nesting deeper than `max_depth`; the part was kept as an opaque leaf.
        public static let limitDepth = "mime.limit.depth"
        /// A header section longer than `max_header_bytes`; the rest of it was skipped.
        public static let limitHeaderBytes = "mime.limit.header_bytes"
        /// Decoded output exceeded `max_decoded_bytes`; decoding stopped (the part is truncated).
        public static let limitDecodedBytes = "mime.limit.decoded_bytes"

        /// A multipart has no close delimiter; it ends at its parent's end.
        public static let missingCloseBoundary = "mime.missing_close_boundary"
        /// A multipart's boundary never occurs; its body is kept as one opaque leaf.
        public static let boundaryNotFound = "mime.boundary_not_found"
        /// A multipart has no usable `boundary` parameter; its body is kept as one opaque leaf.
        public static let missingBoundaryParameter = "mime.missing_boundary_parameter"
        /// `Content-Type` could not be parsed as type/subtype; the default was used.
        public static let malformedContentType = "mime.malformed_content_type"
        /// A multipart or message/* part carries base64/quoted-printable (illegal; decoded anyway).
        public static let illegalTransferEncoding = "mime.illegal_transfer_encoding"
        /// `message/partial`: cannot be scanned until reassembled.
        public static let messagePartial = "mime.message_partial"
        /// `message/external-body`: the content lives elsewhere.
        public static let messageExternalBody = "mime.message_external_body"

        /// base64 data contains characters outside the alphabet (ignored while decoding).
        public static let base64Garbage = "mime.base64_garbage"
        /// base64 data continues after `=` padding (decoded as concatenated base64).
        public static let base64Concatenated = "mime.base64_concatenated"
        /// base64 data ends with an incomplete quantum (the leftover bits are dropped).
        public static let base64Incomplete = "mime.base64_incomplete"
        /// quoted-printable `=` not followed by two hex digits or a line break (kept literally).
        public static let qpMalformed = "mime.qp_malformed"
        /// `Content-Transfer-Encoding` value not known; the body is kept raw.
        public static let unknownTransferEncoding = "mime.unknown_transfer_encoding"
        /// A charset label with no converter; bytes were read as Latin-1.
        public static let unknownCharset = "mime.unknown_charset"

        /// A singleton header (Content-Type, From, Subject, …) occurs more than once.
        public static let duplicateHeader = "mime.duplicate_header"
        /// A parameter (boundary, charset, filename, …) occurs more than once with different values.
        public static let duplicateParameter = "mime.duplicate_parameter"
        /// The names of an attachment differ between its filename sources.
        public static let filenameMismatch = "mime.filename_mismatch"
        /// RFC 2231 continuations have a gap or a duplicate index.
        public static let rfc2231Gap = "mime.rfc2231_gap"
        /// An RFC 2231 extended value lacks its `charset'lang'` prefix.
        public static let rfc2231Malformed = "mime.rfc2231_malformed"

        /// The message contains NUL bytes.
        public static let nulBytes = "mime.nul_bytes"
        /// The message mixes CRLF and bare LF line endings.
        public static let mixedLineEndings = "mime.mixed_line_endings"
        /// A header line longer than 998 bytes.
        public static let longHeaderLine = "mime.long_header_line"
        /// Raw 8-bit bytes in a header (decoded as UTF-8 if valid, else Latin-1).
        public static let header8Bit = "mime.header_8bit"
        /// A header line that is neither a field nor a continuation, or a leading continuation line.
        public static let headerMalformed = "mime.header_malformed"
        /// The header section ended at a non-header line instead of an empty line.
        public static let missingHeaderSeparator = "mime.missing_header_separator"
        /// The message starts with an mbox `From ` line (skipped).
        public static let mboxFromLine = "mime.mbox_from_line"

        /// A uuencoded block was found in a text body and extracted as a child part.
        public static let uuencoded = "mime.uuencoded"
        /// A uuencoded block without its `end` line or with malformed lines.
        public static let uuencodeMalformed = "mime.uuencode_malformed"

        /// Every code above, for documentation and tests.
        public static let all: [String] = [
            limitMessageBytes, limitParts, limitDepth, limitHeaderBytes, limitDecodedBytes,
            missingCloseBoundary, boundaryNotFound, missingBoundaryParameter, malformedContentType,
            illegalTransferEncoding, messagePartial, messageExternalBody,
            base64Garbage, base64Concatenated, base64Incomplete, qpMalformed,
            unknownTransferEncoding, unknownCharset,
            duplicateHeader, duplicateParameter, filenameMismatch, rfc2231Gap, rfc2231Malformed,
            nulBytes, mixedLineEndings, longHeaderLine, header8Bit, headerMalformed,
            missingHeaderSeparator, mboxFromLine, uuencoded, uuencodeMalformed,
        ]
    }
}
