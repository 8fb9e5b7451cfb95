import Crypto
import Foundation
import Testing
@testable import ScopeGateCore


/// The gateway's own R||S checks, and that swift-crypto (BoringSSL) independently refuses
/// the CVE-2022-21449 vectors.
@Suite("Auth: ECDSA signature shape")
struct AuthECDSASignatureShapeTests {
    static let n = ECDSASignatureShape.order(for: .es256)!
    static let one = [UInt8](repeating: 0, count: 31) + [1]
    static let nMinusOne = Array(n.dropLast()) + [n.last! - 1]

    static let shapes: [(String, [UInt8], Bool)] = [
        ("r = s = 1", one + one, true),
        ("r = s = n - 1", nMinusOne + nMinusOne, true),
        ("all zero", [UInt8](repeating: 0, count: 64), false),
        ("r = 0", [UInt8](repeating: 0, count: 32) + one, false),
        ("s = 0", one + [UInt8](repeating: 0, count: 32), false),
        ("r = n", n + one, false),
        ("s = n", one + n, false),
        ("r = 2^256 - 1", [UInt8](repeating: 0xFF, count: 32) + one, false),
        ("63 bytes", Array((one + one).dropFirst()), false),
        ("65 bytes", [0] + one + one, false),
        ("empty", [], false),
    ]

    @Test("P-256 R||S range and length", arguments: shapes)
    func shape(_ name: String, _ signature: [UInt8], _ wellFormed: Bool) {
        #expect(ECDSASignatureShape.isWellFormed(signature, for: .es256) == wellFormed, "\(name)")
    }

    @Test("P-384 and P-521 sizes")
    func otherCurves() {
        #expect(ECDSASignatureShape.isWellFormed(Array(repeating: 1, count: 96), for: .es384))
        #expect(!ECDSASignatureShape.isWellFormed(Array(repeating: 1, count: 64), for: .es384))
        #expect(ECDSASignatureShape.isWellFormed(([0, 1] + Array(repeating: 0, count: 64)) + ([0, 1] + Array(repeating: 0, count: 64)), for: .es512))
        #expect(!ECDSASignatureShape.isWellFormed(Array(repeating: 0xFF, count: 132), for: .es512), "66 bytes of 0xFF exceed n")
        #expect(!ECDSASignatureShape.isWellFormed(Array(repeating: 1, count: 64), for: .rs256))
    }

    @Test("swift-crypto itself rejects r or s = 0 and >= n (psychic signatures)")
    func swiftCryptoRejects() throws {
        let key = P256.Signing.PrivateKey()
        let message = Array("header.payload".utf8)
        let valid = try key.signature(for: message).rawRepresentation
        #expect(key.publicKey.isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: valid), for: message))
        let forged: [[UInt8]] = [
            [UInt8](repeating: 0, count: 64),
            [UInt8](repeating: 0, count: 32) + Array(valid.suffix(32)),
            Array(valid.prefix(32)) + [UInt8](repeating: 0, count: 32),
            Self.n + Array(valid.suffix(32)),
            Array(valid.prefix(32)) + Self.n,
        ]
        for bytes in forged {
            let accepted = (try? P256.Signing.ECDSASignature(rawRepresentation: bytes))
                .map { key.publicKey.isValidSignature($0, for: message) } ?? false
            #expect(!accepted)
        }
    }
}
