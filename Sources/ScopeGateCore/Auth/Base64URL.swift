/// Strict base64url without padding (RFC 7515 §2, RFC 4648 §5).
///
/// Decoding rejects `=`, `+`, `/`, whitespace, any other byte outside the
/// base64url alphabet, a length of 1 modulo 4, and non-zero trailing bits in the last
/// character, so every byte string has exactly one accepted encoding.
package enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// The bytes `encoded` stands for, or `nil` when it is not canonical unpadded base64url.
    static func decode(_ encoded: some Collection<UInt8>) -> [UInt8]? {
        if let decoded = encoded.withContiguousStorageIfAvailable({ decode(contiguous: $0) }) { return decoded }
        return Array(encoded).withUnsafeBufferPointer { decode(contiguous: $0) }
    }

    /// Four characters to three bytes at a time, straight into the result's storage (this runs
    /// over every token that is not in the verification cache).
    private static func decode(contiguous bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let count = bytes.count
        let rest = count % 4
        guard rest != 1 else { return nil }
        let outputCount = count / 4 * 3 + (rest == 0 ? 0 : rest - 1)
        var valid = true
        let output = decodeTable.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: outputCount) { out, initialized in
                var i = 0
                var o = 0
                // Values are 0...63; the table's 0xFF (not in the alphabet) sets the top bits.
                while i + 4 <= count {
                    let a = table[Int(bytes[i])], b = table[Int(bytes[i + 1])]
                    let c = table[Int(bytes[i + 2])], d = table[Int(bytes[i + 3])]
                    if (a | b | c | d) & 0xC0 != 0 { valid = false; break }
                    let value = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    out[o] = UInt8(truncatingIfNeeded: value >> 16)
                    out[o + 1] = UInt8(truncatingIfNeeded: value >> 8)
                    out[o + 2] = UInt8(truncatingIfNeeded: value)
                    i += 4
                    o += 3
                }
                if valid && rest == 2 {
                    let a = table[Int(bytes[i])], b = table[Int(bytes[i + 1])]
                    let value = UInt32(a) << 6 | UInt32(b)
                    // Leftover bits must be zero: otherwise two encodings map to the same bytes.
                    if (a | b) & 0xC0 != 0 || value & 0xF != 0 { valid = false } else { out[o] = UInt8(truncatingIfNeeded: value >> 4) }
                } else if valid && rest == 3 {
                    let a = table[Int(bytes[i])], b = table[Int(bytes[i + 1])], c = table[Int(bytes[i + 2])]
                    let value = UInt32(a) << 12 | UInt32(b) << 6 | UInt32(c)
                    if (a | b | c) & 0xC0 != 0 || value & 0x3 != 0 {
                        valid = false
                    } else {
                        out[o] = UInt8(truncatingIfNeeded: value >> 10)
                        out[o + 1] = UInt8(truncatingIfNeeded: value >> 2)
                    }
                }
                if !valid { out.initialize(repeating: 0) }   // every element initialised either way
                initialized = outputCount
            }
        }
        return valid ? output : nil
    }

    package static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 4 + 2) / 3)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in bytes {
            accumulator = (accumulator << 8) | UInt32(byte)
            bits += 8
            while bits >= 6 {
                bits -= 6
                output.append(alphabet[Int((accumulator >> UInt32(bits)) & 0x3F)])
            }
        }
        if bits > 0 {
            output.append(alphabet[Int((accumulator << UInt32(6 - bits)) & 0x3F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
