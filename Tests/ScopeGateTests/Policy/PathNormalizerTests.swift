import XCTest
@testable import ScopeGateCore

/// The fast path of ``PathNormalizer`` (a path already in normal form is taken as it is)
/// against the general segment-by-segment rebuild.
final class PathNormalizerTests: XCTestCase {
    /// Every path of up to 5 pieces over an alphabet of the bytes and escapes that matter
    /// (separators, dots, escaped dots and slashes, `;`, `\`, a control byte, plain letters):
    /// wherever the fast path takes a path, the rebuild gives the same bytes.
    func testTheFastPathAgreesWithTheRebuildOnEveryShortPath() {
        let pieces = ["/", "a", ".", "..", "%2e", "%41", "%2F", ";", "\\", "~", "b:c", "\u{1}", "%", "%C3%A9"]
        var taken = 0
        var checked = 0
        func visit(_ prefix: [UInt8], depth: Int) {
            let raw = ArraySlice([UInt8(ascii: "/")] + prefix)
            checked += 1
            if PathNormalizer.isNormal(raw) {
                taken += 1
                let rebuilt = PathNormalizer.normalizeBySegments(raw)
                XCTAssertEqual(try? rebuilt.get(), String(decoding: raw, as: UTF8.self), "path \(String(decoding: raw, as: UTF8.self))")
            }
            guard depth < 5 else { return }
            for piece in pieces { visit(prefix + Array(piece.utf8), depth: depth + 1) }
        }
        visit([], depth: 0)
        XCTAssertGreaterThan(taken, 1000, "the fast path takes plain paths (\(taken) of \(checked))")
        XCTAssertLessThan(taken, checked / 4, "and leaves the rest to the rebuild")
    }

    func testTheFastPathLeavesEveryPathThatChangesToTheRebuild() {
        for path in ["//a", "/a//b", "/.", "/..", "/a/.", "/a/../b", "/a/./", "/%2e", "/a;b", "/a\\b", "/a%2Fb", "/%41"] {
            XCTAssertFalse(PathNormalizer.isNormal(ArraySlice(path.utf8)), path)
        }
        for path in ["/", "/a", "/a/", "/a.b/..c/...", "/x:y@z!$&'()*+,="] {
            XCTAssertTrue(PathNormalizer.isNormal(ArraySlice(path.utf8)), path)
        }
    }
}
