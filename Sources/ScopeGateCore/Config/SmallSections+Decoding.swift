extension ListenerConfig {
    static func decode(_ value: JSONValue?, reader: inout ConfigReader) -> ListenerConfig {
        var config = ListenerConfig()
        guard let value, let members = reader.object(value, at: "listen") else { return config }
        reader.rejectUnknownKeys(members, known: ["host", "port", "event_loops", "health_path", "keep_alive_timeout_ms",
                                                  "request_head_timeout_ms", "body_idle_timeout_ms", "body_timeout_ms",
                                                  "body_min_bytes_per_second", "body_min_rate_grace_ms"], at: "listen")
        config.keepAliveTimeoutMilliseconds = reader.integer(
            members, "keep_alive_timeout_ms", at: "listen", in: 100...3_600_000, default: config.keepAliveTimeoutMilliseconds)
        config.requestHeadTimeoutMilliseconds = reader.integer(
            members, "request_head_timeout_ms", at: "listen", in: 100...600_000, default: config.requestHeadTimeoutMilliseconds)
        config.bodyIdleTimeoutMilliseconds = reader.integer(
            members, "body_idle_timeout_ms", at: "listen", in: 100...600_000, default: config.bodyIdleTimeoutMilliseconds)
        config.bodyTimeoutMilliseconds = reader.integer(
            members, "body_timeout_ms", at: "listen", in: 0...86_400_000, default: config.bodyTimeoutMilliseconds)
        config.bodyMinBytesPerSecond = reader.integer(
            members, "body_min_bytes_per_second", at: "listen", in: 0...(1 << 30), default: config.bodyMinBytesPerSecond)
        config.bodyMinRateGraceMilliseconds = reader.integer(
            members, "body_min_rate_grace_ms", at: "listen", in: 0...600_000, default: config.bodyMinRateGraceMilliseconds)
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
        reader.rejectUnknownKeys(members, known: ["denials", "access", "stats_interval_seconds"], at: "log")
        config.statsIntervalSeconds = reader.integer(members, "stats_interval_seconds", at: "log", in: 0...86_400,
                                                     default: config.statsIntervalSeconds)
        if let denials = members["denials"] {
            config.denials = decodeDestination(denials, at: "log.denials", allowsOff: false, reader: &reader,
                                               baseDirectory: baseDirectory) ?? .standardError
        }
        if let access = members["access"] {
            config.access = decodeDestination(access, at: "log.access", allowsOff: true, reader: &reader,
                                              baseDirectory: baseDirectory)
        }
        return config
    }

    /// `"stderr"`, `{"file": "path"}` or (where allowed) `"off"`; `nil` for off or a problem.
    private static func decodeDestination(_ value: JSONValue, at path: String, allowsOff: Bool, reader: inout ConfigReader,
                                          baseDirectory: String?) -> Destination? {
        switch value {
        case .string("stderr"):
            return .standardError
        case .string("off") where allowsOff:
            return nil
        case .object(let destination):
            reader.rejectUnknownKeys(destination, known: ["file"], at: path)
            guard let file = reader.string(destination, "file", at: path, required: true) else { return nil }
            return .file(path: ConfigLoader.resolve(file, against: baseDirectory))
        default:
            let choices = allowsOff ? "\"stderr\", \"off\" or {\"file\": \"path\"}" : "\"stderr\" or {\"file\": \"path\"}"
            reader.fail(path, "must be \(choices), found \(ConfigReader.render(value))")
            return nil
        }
    }
}

extension ShutdownConfig {
    static func decode(_ value: JSONValue?, reader: inout ConfigReader) -> ShutdownConfig {
        var config = ShutdownConfig()
        guard let value, let members = reader.object(value, at: "shutdown") else { return config }
        reader.rejectUnknownKeys(members, known: ["drain_delay_ms", "grace_ms"], at: "shutdown")
        config.drainDelayMilliseconds = reader.integer(members, "drain_delay_ms", at: "shutdown", in: 0...600_000,
                                                       default: config.drainDelayMilliseconds)
        config.graceMilliseconds = reader.integer(members, "grace_ms", at: "shutdown", in: 0...3_600_000,
                                                  default: config.graceMilliseconds)
        return config
    }
}

extension AdminConfig {
    /// `admin`: an object, or `null` to turn the admin listener off.
    static func decode(_ value: JSONValue?, reader: inout ConfigReader) -> AdminConfig? {
        var config = AdminConfig()
        guard let value else { return config }
        if value == .null { return nil }
        guard let members = reader.object(value, at: "admin") else { return config }
        reader.rejectUnknownKeys(members, known: ["host", "port"], at: "admin")
        config.host = reader.string(members, "host", at: "admin", required: false) ?? config.host
        config.port = reader.integer(members, "port", at: "admin", in: 0...65535, default: config.port)
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
        !name.isEmpty && name.utf8.allSatisfy(ASCII.isTokenByte)
    }
}
