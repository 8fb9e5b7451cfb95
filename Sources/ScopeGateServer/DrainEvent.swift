/// What the drain tells every open client connection, as an inbound user event.
enum DrainEvent: Sendable {
    /// The drain began: every response from now on carries `Connection: close`.
    case draining
    /// The listener closed: a connection with no request under way closes now; the others
    /// close after their response.
    case stopAccepting
    /// The grace ended (or a second signal came): what is still running is cut, each request
    /// logged as a `shutdown_cut` line with its request ID.
    case cut(why: String)
}
