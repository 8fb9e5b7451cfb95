/// Where a connection stands, as far as its client-side deadlines go. The HTTP handler
/// reports transitions as outbound user events; the ``ConnectionDeadlineHandler`` at the
/// front of the pipeline, which sees the raw bytes, enforces the deadlines.
enum ConnectionPhase: Sendable {
    /// A request head was decoded: from now on the body deadlines apply.
    case requestHeadReceived
    /// The gateway stopped reading the request body (its upstream queue is full, or the
    /// decision waits for a key refetch): the client is not the slow one, so the body
    /// deadlines are suspended and the held time is not counted.
    case requestBodyHeld
    /// Reading the request body again: the body deadlines run again.
    case requestBodyResumed
    /// The final response's head went out (a forwarded response; interim `100 Continue` does
    /// not count): a client deadline can no longer be answered with 408, only by closing.
    case responseStarted
    /// The whole request was read: no client deadline while the gateway works on it.
    case requestComplete
    /// The response was written: the connection is idle until the next request's bytes.
    case responseComplete
}
