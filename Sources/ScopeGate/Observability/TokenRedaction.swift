/// Keeps bearer tokens out of log lines when a client puts one where the gateway logs what it
/// sent: in the path (`/appointments;access_token=eyJ...`, `/nothing/eyJ...`), in a request
/// ID, or quoted in a description.
///
/// A JWS or JWE in compact serialisation (RFC 7515 §7.1, RFC 7516 §7.1) is base64url parts
/// joined by dots. Redacted: every maximal run of base64url characters and dots (a `%2E` or `%252E`
/// escape counts as a dot) with at least two dots and at least two parts of 16 or more
/// characters: a JWS header alone is at least 20, its payload and signature longer. File names
/// such as `app.3f8a9c2b.min.js` or `archive.2024.tar` keep their text.
public enum TokenRedaction {
    /// What replaces a token-shaped run.
    public static let placeholder = "[redacted]"

    /// `text` with every token-shaped run replaced by ``placeholder``; `text` itself when it
    /// has none (the common case costs one scan and no copy).
    public static func redacting(_ text: String) -> String {
        // A token-shaped run has at least two dots (`.` or `%2E`): without two `.` and without
        // a `%`, there is nothing to redact and nothing to copy (request IDs, most paths).
        var dots = 0
        var percent = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") { dots += 1 } else if byte == UInt8(ascii: "%") { percent = true; break }
        }
        if dots < 2 && !percent { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var copied = 0
        var index = 0
        while index < bytes.count {
            guard isRunByte(bytes, index) else { index += 1; continue }
            let start = index
            var dots = 0, longParts = 0, partLength = 0
            while index < bytes.count, isRunByte(bytes, index) {
                if let dotLength = dotLength(bytes, index) {
                    if partLength >= 16 { longParts += 1 }
                    partLength = 0
                    dots += 1
                    index += dotLength
                } else {
                    partLength += 1
                    index += 1
                }
            }
            if partLength >= 16 { longParts += 1 }
            if dots >= 2 && longParts >= 2 {
                output.append(contentsOf: bytes[copied..<start])
                output.append(contentsOf: placeholder.utf8)
                copied = index
            }
        }
        if copied == 0 { return text }
        output.append(contentsOf: bytes[copied...])
        return String(decoding: output, as: UTF8.self)
    }

    private static func isRunByte(_ bytes: [UInt8], _ index: Int) -> Bool {
        let byte = bytes[index]
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            return true
        default:
            return dotLength(bytes, index) != nil
        }
    }

    /// 1 for `.`, 3 for `%2E` / `%2e`, 5 for `%252E` / `%252e`, `nil` otherwise.
    private static func dotLength(_ bytes: [UInt8], _ index: Int) -> Int? {
        if bytes[index] == UInt8(ascii: ".") { return 1 }
        // `%2E`, and `%252E` (a dot encoded twice: a backend that decodes twice sees a dot).
        var at = index
        guard bytes[at] == UInt8(ascii: "%") else { return nil }
        at += 1
        if at + 2 < bytes.count, bytes[at] == UInt8(ascii: "2"), bytes[at + 1] == UInt8(ascii: "5") { at += 2 }
        guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "2"),
              bytes[at + 1] == UInt8(ascii: "E") || bytes[at + 1] == UInt8(ascii: "e") else { return nil }
        return at + 2 - index
    }
}
