import Foundation
import ScopeGateCore

/// The gateway's own life as log lines: `{"event":"shutdown", "phase": ...}`,
/// `{"event":"shutdown_cut", ...}`, `{"event":"reload", ...}` and `{"event":"internal_error", ...}`.
public enum LifecycleEvent {
    /// A drain phase: `draining`, `stopped_accepting`, `stopped`; `details` are added as members.
    public static func shutdown(phase: String, time: Date, details: [(StaticString, Int)] = [], message: String? = nil) -> String {
        var json = JSONLine.event("shutdown", at: time)
        json.add("phase", phase)
        for (key, value) in details { json.add(key, value) }
        json.add("message", message)
        return json.finish()
    }

    /// A request still running when the grace ended (or a second signal came), cut.
    public static func cut(requestID: String?, method: String, path: String?, route: String?, time: Date, why: String) -> String {
        var json = JSONLine.event("shutdown_cut", at: time)
        json.add("request_id", requestID.map(TokenRedaction.redacting))
        json.add("method", String(method.prefix(32)))
        json.add("path", path.map(TokenRedaction.redacting))
        json.add("route", route)
        json.add("description", why)
        return json.finish()
    }

    /// The gateway broke one of its own rules on a connection (an event its exchange state
    /// machine cannot take in its state): the connection was closed. `reason` is `internal_state`.
    public static func internalError(reason: String, description: String, requestID: String?, time: Date) -> String {
        var json = JSONLine.event("internal_error", at: time)
        json.add("reason", reason)
        json.add("request_id", requestID.map(TokenRedaction.redacting))
        json.add("description", description)
        return json.finish()
    }

    /// A reload: `applied` with the new generation, or `refused` with every problem and its JSON path.
    public static func reload(applied: Bool, generation: Int, trigger: String, problems: [ConfigProblem], time: Date,
                              details: [(StaticString, Int)] = []) -> String {
        var json = JSONLine.event("reload", at: time)
        json.add("result", applied ? "applied" : "refused")
        json.add("trigger", trigger)
        json.add("generation", generation)
        for (key, value) in details { json.add(key, value) }
        if !problems.isEmpty {
            json.add("problems", problems.map { "\($0.path): \($0.message)" })
        }
        return json.finish()
    }
}
