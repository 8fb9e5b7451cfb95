/// Ways a target cuts the fuzzer's bytes into the pieces its parser receives.
public enum FuzzInput {
    /// The bytes as text the way the gateway receives text from NIO or libcurl: invalid
    /// UTF-8 replaced by U+FFFD.
    public static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// The bytes cut after each LF, the LF kept (as libcurl hands header lines over); a last
    /// piece without LF is kept too.
    public static func lines(_ bytes: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
        var lines: [UnsafeRawBufferPointer] = []
        var start = 0
        for index in 0..<bytes.count where bytes[index] == UInt8(ascii: "\n") {
            lines.append(UnsafeRawBufferPointer(rebasing: bytes[start...index]))
            start = index + 1
        }
        if start < bytes.count { lines.append(UnsafeRawBufferPointer(rebasing: bytes[start...])) }
        return lines
    }

    /// The bytes cut at each `separator` byte (dropped), empty pieces kept.
    public static func split(_ bytes: UnsafeRawBufferPointer, at separator: UInt8) -> [ArraySlice<UInt8>] {
        Array(bytes).split(separator: separator, omittingEmptySubsequences: false)
    }
}
