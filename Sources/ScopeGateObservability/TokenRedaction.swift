/// Keeps bearer tokens out of log lines when a client puts one where the gateway logs what it
/// sent: in the path (`/appointments;access_token=eyJ...`, `/nothing/eyJ...`), in a request
/// ID, or quoted in a description.
///
/// A JWS or JWE in compact serialisation (RFC 7515 §7.1, RFC 7516 §7.1) is base64url parts
/// joined by dots. Redacted: every maximal run of base64url characters and dots (`%2E`, and
/// `%252E`, `%25252E`... count as a dot) with at least two dots and at least two parts of 16 or more
/// characters: a JWS header alone is at least 20, its payload and signature longer. Also
/// redacted, whatever separates it: a run with a part of 16 or more characters holding `eyJ`
/// (base64url of `{"`: a JOSE header or a claims set), so `~`, fullwidth dots or dots encoded
/// three times cannot carry a token's header and claims into the log. File names such as
/// `app.3f8a9c2b.min.js` or `archive.2024.tar` keep their text.
public enum TokenRedaction {
    /// What replaces a token-shaped run.
    public static let placeholder = "[redacted]"

    /// `text` with every token-shaped run replaced by ``placeholder``; `text` itself when it
    /// has none (the common case costs one scan and no copy).
    public static func redacting(_ text: String) -> String {
        // A token-shaped run has at least two dots (`.` or `%2E`) or a base64url JSON segment
        // (`eyJ`): without two `.`, a `%` or `eyJ`, there is nothing to redact and nothing to
        // copy (request IDs, most paths).
        var dots = 0
        var suspicious = false
        var previous: (UInt8, UInt8) = (0, 0)
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") { dots += 1 }
            if byte == UInt8(ascii: "%") || previous == (UInt8(ascii: "e"), UInt8(ascii: "y")) && byte == UInt8(ascii: "J") {
                suspicious = true
                break
            }
            previous = (previous.1, byte)
        }
        if dots < 2 && !suspicious { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var copied = 0
        var index = 0
        while index < bytes.count {
            guard isRunByte(bytes, index) else { index += 1; continue }
            let start = index
            var dots = 0, longParts = 0, partLength = 0
            // A part that is base64url-encoded JSON (`eyJ` is `{"`): a JOSE header or a claims
            // set, whatever separates it from the rest (`~`, a fullwidth dot...).
            var jsonPart = false
            func endPart() {
                if partLength >= 16 {
                    longParts += 1
                    // Anywhere in the part: an unrecognised separator (`%EF%BC%8E`) leaves a
                    // few bytes of its own in front of the next part.
                    var at = index - partLength
                    while !jsonPart, at + 2 < index {
                        jsonPart = bytes[at] == UInt8(ascii: "e") && bytes[at + 1] == UInt8(ascii: "y")
                            && bytes[at + 2] == UInt8(ascii: "J")
                        at += 1
                    }
                }
                partLength = 0
            }
            while index < bytes.count, isRunByte(bytes, index) {
                if let dotLength = dotLength(bytes, index) {
                    endPart()
                    dots += 1
                    index += dotLength
                } else {
                    partLength += 1
                    index += 1
                }
            }
            endPart()
            if dots >= 2 && longParts >= 2 || jsonPart {
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

    /// 1 for `.`, 3 for `%2E` / `%2e`, 5 for `%252E`, and so on for each further `25`; `nil` otherwise.
    private static func dotLength(_ bytes: [UInt8], _ index: Int) -> Int? {
        if bytes[index] == UInt8(ascii: ".") { return 1 }
        // `%2E`, and `%252E`, `%25252E`...: a dot encoded more than once (a backend or a log
        // reader that decodes again sees a dot).
        var at = index
        guard bytes[at] == UInt8(ascii: "%") else { return nil }
        at += 1
        while at + 2 < bytes.count, bytes[at] == UInt8(ascii: "2"), bytes[at + 1] == UInt8(ascii: "5") { at += 2 }
        guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "2"),
              bytes[at + 1] == UInt8(ascii: "E") || bytes[at + 1] == UInt8(ascii: "e") else { return nil }
        return at + 2 - index
    }
}
