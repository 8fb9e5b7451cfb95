import ScopeGateCore
import ScopeGateObservability
import ScopeGateUpstream
/// The HTTP response for a ``Denial``: status, headers and a small JSON body.
///
/// Body: `{"error": ..., "error_description": ..., "reason": ...}` where `error` is the
/// RFC 6750 §3.1 code when one applies (`invalid_request`, `invalid_token`,
/// `insufficient_scope`) and the reason code otherwise. 401 and 403 (and 400 on a
/// protected route) carry `WWW-Authenticate: Bearer realm="..."` (RFC 6750 §3), with
/// `error`, `error_description` (the reason code) and, for 403, `scope` (the required scopes),
/// in that order; last, when `protected_resource` is configured, `resource_metadata` (RFC 9728
/// §5.1: the absolute URL of the metadata, from the configured resource, never from the request).
/// 405 carries `Allow` (RFC 9110 §15.5.6).
struct DenialResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: String

    /// - Parameter resourceMetadataURL: ``ResourceIdentifier/metadataURL``, or `nil` for none.
    init(_ denial: Denial, realm: String, resourceMetadataURL: String? = nil) {
        status = denial.status
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"),
            ("Cache-Control", "no-store"),
        ]
        if denial.challenges {
            var challenge = "Bearer realm=\"\(realm)\""
            if let error = denial.bearerError {
                challenge += ", error=\"\(error)\", error_description=\"\(denial.reason.rawValue)\""
                if denial.reason == .insufficientScope {
                    challenge += ", scope=\"\(denial.requiredScopes.joined(separator: " "))\""
                }
            }
            if let resourceMetadataURL {
                // Quote-safe: the decoder admits URI characters only (no '"' or '\\').
                challenge += ", resource_metadata=\"\(resourceMetadataURL)\""
            }
            headers.append(("WWW-Authenticate", challenge))
        }
        if denial.status == 405 {
            headers.append(("Allow", denial.allowedMethods.joined(separator: ", ")))
        }
        for field in denial.corsHeaders { headers.append((field.name, field.value)) }
        self.headers = headers

        var json = JSONLine()
        json.add("error", denial.bearerError ?? denial.reason.rawValue)
        json.add("error_description", denial.description)
        json.add("reason", denial.reason.rawValue)
        var text = json.finish()
        text.removeLast()
        body = text
    }

    /// The response for an upstream failure before any byte went to the client (502 or 504).
    static func upstreamFailure(_ error: UpstreamError) -> DenialResponse {
        let status = error.reason == .upstreamTimeout ? 504 : 502
        var denial = Denial(status: status, reason: error.reason,
                            description: status == 504 ? "the backend did not answer in time" : "the backend could not be reached")
        denial.challenges = false
        return DenialResponse(denial, realm: "")
    }
}
