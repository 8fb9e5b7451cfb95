extension ListenerConfig {
    static func decode(_ value: JSONValue?, reader: inout ConfigReader) -> ListenerConfig {
        var config = ListenerConfig()
        guard let value, let members = reader.object(value, at: "listen") else { return config }
        reader.rejectUnknownKeys(members, known: ["host", "port", "event_loops", "health_path", "keep_alive_timeout_ms",
                                                  "request_head_timeout_ms", "body_idle_timeout_ms"], at: "listen")
        config.keepAliveTimeoutMilliseconds = reader.integer(
            members, "keep_alive_timeout_ms", at: "listen", in: 100...3_600_000, default: config.keepAliveTimeoutMilliseconds)
        config.requestHeadTimeoutMilliseconds = reader.integer(
            members, "request_head_timeout_ms", at: "listen", in: 100...600_000, default: config.requestHeadTimeoutMilliseconds)
        config.bodyIdleTimeoutMilliseconds = reader.integer(
            members, "body_idle_timeout_ms", at: "listen", in: 100...600_000, default: config.bodyIdleTimeoutMilliseconds)
        config.host = reader.string(members, "host", at: "listen", required: false) ?? config.host
        config.port = reader.integer(members, "port", at: "listen", in: 0...65535, default: config.port)
        if members["event_loops"] != nil {
            config.eventLoops = reader.integer(members, "event_loops", at: "listen", in: 1...256, default: 1)
        }
        if members["health_path"] == .null {
            config.healthPath = nil
        } else if let path = reader.string(members, "health_path", at: "listen", required: false) {
            if let problem = RouteConfig.prefixProblem(path) {
                reader.fail("listen.health_path", problem)
            } else {
                config.healthPath = path
            }
        }
        return config
    }
}

extension LimitsConfig {
    static func decode(_ value: JSONValue?, reader: inout ConfigReader) -> LimitsConfig {
        var config = LimitsConfig()
        guard let value, let members = reader.object(value, at: "limits") else { return config }
        reader.rejectUnknownKeys(members, known: ["max_body_bytes", "max_header_bytes", "max_token_bytes"], at: "limits")
        config.maxBodyBytes = reader.integer(members, "max_body_bytes", at: "limits", in: 0...(1 << 40), default: config.maxBodyBytes)
        config.maxHeaderBytes = reader.integer(members, "max_header_bytes", at: "limits", in: 1024...(64 << 10), default: config.maxHeaderBytes)
        config.maxTokenBytes = reader.integer(members, "max_token_bytes", at: "limits", in: 256...(1 << 20), default: config.maxTokenBytes)
        return config
    }
}

extension LogConfig {
    static func decode(_ value: JSONValue?, reader: inout ConfigReader, baseDirectory: String?) -> LogConfig {
        var config = LogConfig()
        guard let value, let members = reader.object(value, at: "log") else { return config }
        reader.rejectUnknownKeys(members, known: ["denials", "stats_interval_seconds"], at: "log")
        config.statsIntervalSeconds = reader.integer(members, "stats_interval_seconds", at: "log", in: 0...86_400,
                                                     default: config.statsIntervalSeconds)
        switch members["denials"] {
        case nil, .string("stderr"):
            break
        case .object(let destination):
            reader.rejectUnknownKeys(destination, known: ["file"], at: "log.denials")
            if let path = reader.string(destination, "file", at: "log.denials", required: true) {
                config.denials = .file(path: ConfigLoader.resolve(path, against: baseDirectory))
            }
        case let other?:
            reader.fail("log.denials", "must be \"stderr\" or {\"file\": \"path\"}, found \(ConfigReader.render(other))")
        }
        return config
    }
}

extension UpstreamEngineConfig {
    static func decode(_ value: JSONValue?, reader: inout ConfigReader) -> UpstreamEngineConfig {
        var config = UpstreamEngineConfig()
        guard let value, let members = reader.object(value, at: "upstream") else { return config }
        reader.rejectUnknownKeys(members, known: ["threads", "max_connections_per_backend"], at: "upstream")
        config.threads = reader.integer(members, "threads", at: "upstream", in: 1...64, default: config.threads)
        config.maxConnectionsPerBackend = reader.integer(
            members, "max_connections_per_backend", at: "upstream", in: 1...10_000, default: config.maxConnectionsPerBackend)
        return config
    }
}

extension ForwardingConfig {
    static func decode(_ value: JSONValue?, reader: inout ConfigReader) -> ForwardingConfig {
        var config = ForwardingConfig()
        guard let value, let members = reader.object(value, at: "forwarding") else { return config }
        reader.rejectUnknownKeys(members, known: ["trusted_proxies", "forwarded_header", "request_id_header", "claim_headers"],
                                 at: "forwarding")
        if let proxies = members["trusted_proxies"], let list = reader.stringArray(proxies, at: "forwarding.trusted_proxies") {
            for (index, block) in list.enumerated() where AddressBlock(block) == nil {
                reader.fail("forwarding.trusted_proxies[\(index)]", "\"\(block)\" is not an IPv4 or IPv6 CIDR block (e.g. 10.0.0.0/8, ::1/128)")
            }
            config.trustedProxies = list
        }
        config.forwardedHeader = reader.bool(members, "forwarded_header", at: "forwarding", default: false)
        if let header = reader.string(members, "request_id_header", at: "forwarding", required: false) {
            if HeaderName.isValid(header) {
                config.requestIDHeader = header
            } else {
                reader.fail("forwarding.request_id_header", "\"\(header)\" is not a header name (RFC 9110 §5.1)")
            }
        }
        if let claims = members["claim_headers"], let map = reader.object(claims, at: "forwarding.claim_headers") {
            var result: [String: String] = [:]
            for claim in map.keys.sorted() {
                let path = ConfigReader.join("forwarding.claim_headers", claim)
                guard ForwardingConfig.propagatableClaims.contains(claim) else {
                    reader.fail(path, "claim \"\(claim)\" cannot be forwarded; one of: \(ForwardingConfig.propagatableClaims.sorted().joined(separator: ", "))")
                    continue
                }
                guard case .string(let header)? = map[claim], HeaderName.isValid(header) else {
                    reader.fail(path, "must be a header name (RFC 9110 §5.1)")
                    continue
                }
                result[claim] = header
            }
            config.claimHeaders = result
        }
        return config
    }
}

/// RFC 9110 §5.1 field names: `token` characters.
enum HeaderName {
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}
