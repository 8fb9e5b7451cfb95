import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import ScopeGateCore
@testable import ScopeGateUpstream


/// CurlHTTPFetcher against the local server.
@Suite("KeySource: CurlHTTPFetcher")
struct KeySourceCurlHTTPFetcherTests {
    @Test("status, body and Cache-Control come back; non-200 is returned, not thrown")
    func statusBodyHeader() async throws {
        try await KeySourceHarness.with { h in
            h.server.serve("/doc", .init(body: Array("{\"a\":1}".utf8), cacheControl: "max-age=42"))
            let ok = try await h.fetcher.fetch(url: h.server.url("/doc"))
            #expect(ok == HTTPFetchResult(status: 200, body: Array("{\"a\":1}".utf8), cacheControl: "max-age=42"))
            let missing = try await h.fetcher.fetch(url: h.server.url("/missing"))
            #expect(missing.status == 404)
            #expect(missing.cacheControl == nil)
        }
    }

    @Test("a body over the bound fails with bodyTooLarge")
    func bounded() async throws {
        try await KeySourceHarness.with { h in
            h.server.serve("/big", .init(body: [UInt8](repeating: 0x41, count: 5000)))
            let small = CurlHTTPFetcher(engine: h.engine, eventLoop: h.group.next(), maximumBodyBytes: 4999)
            await #expect(throws: HTTPFetchError.bodyTooLarge(limit: 4999)) { try await small.fetch(url: h.server.url("/big")) }
            let exact = CurlHTTPFetcher(engine: h.engine, eventLoop: h.group.next(), maximumBodyBytes: 5000)
            let body = try await exact.fetch(url: h.server.url("/big")).body
            #expect(body.count == 5000)
        }
    }

    @Test("connection refused is a transport error")
    func refused() async throws {
        try await KeySourceHarness.with { h in
            let url = h.server.url("/doc")
            try await h.server.stop()
            await #expect {
                try await h.fetcher.fetch(url: url)
            } throws: { error in
                guard case HTTPFetchError.transport(let detail) = error else { return false }
                return detail.hasPrefix("upstream_connect_failed")
            }
        }
    }

    @Test("a task cancelled before the fetch starts gets cancelled, promptly")
    func cancelled() async throws {
        try await KeySourceHarness.with { h in
            let silent = try await SilentListener(group: h.group)
            let fetcher = CurlHTTPFetcher(engine: h.engine, eventLoop: h.group.next(), timeoutMilliseconds: 60_000)
            let task = Task { try await fetcher.fetch(url: "http://127.0.0.1:\(silent.port)/never") }
            task.cancel()
            await #expect(throws: HTTPFetchError.cancelled) { try await task.value }
            try await silent.close()
        }
    }
}
