/// A property the gateway promises for every input; a broken one ends the run as a crash, so
/// libFuzzer keeps the input (`crash-<sha1>`) and the bug gets a regression test.
public enum FuzzInvariant {
    /// Stops the process with `message` when `condition` is false.
    public static func require(_ condition: Bool, _ message: @autoclosure () -> String,
                               file: StaticString = #fileID, line: UInt = #line) {
        if !condition { fatalError("fuzz invariant broken: \(message())", file: file, line: line) }
    }

    /// Whether `text` may be sent as an HTTP field value byte for byte: no CR, LF or NUL
    /// (RFC 9110 §5.5), the bytes that would split a message.
    public static func isSafeFieldValue(_ text: String) -> Bool {
        !text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }
    }

    /// Whether `text` is an RFC 9110 §5.6.2 token (a field name or a method).
    public static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
            }
        }
    }
}
