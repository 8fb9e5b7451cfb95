/// What the owner does after a transition: one outcome per event.
extension TransferStateMachine {
    enum Action: Equatable {
        /// Nothing to do.
        case none
        /// Wake the curl loop (``CurlMultiLoop/kick(_:)``): libcurl's pause is to change at its
        /// next ``TransferStateMachine/synchronize()``.
        case kick
        /// Call `curl_easy_pause` with this mask: what stays paused (the only call site). The
        /// machine has recorded it already, so the callbacks the call may run see the new state.
        case setCurlPause(CurlPause)
        /// An impossible event (the message says which): assert in debug builds. In release
        /// builds, kick the curl loop, whose ``TransferStateMachine/synchronize()`` then returns
        /// this again and the transfer ends with an error.
        case fail(String)
    }

    /// Whether the request-body queue takes more after ``TransferStateMachine/send(_:)``.
    enum Room: Equatable {
        case ok
        /// At ``UpstreamBufferLimits/requestBodyHighWater``: stop reading the client until the demand.
        case full
    }

    /// The read callback's answer.
    enum Read: Equatable {
        /// `Int` bytes (> 0) copied. `bodyDemand`: the queue drained to
        /// ``UpstreamBufferLimits/requestBodyLowWater`` while a demand was owed: queue
        /// ``UpstreamEvent/bodyDemand``.
        case copied(Int, bodyDemand: Bool)
        /// Nothing queued yet: return `CURL_READFUNC_PAUSE` (libcurl's send side is paused now).
        case pause
        /// The end of the body: return 0.
        case end
        /// Cancelled or failed: return `CURL_READFUNC_ABORT`.
        case abort
        /// An impossible event: assert in debug builds, then abort as ``abort``.
        case fail(String)
    }

    /// The write callback's answer.
    enum Write: Equatable {
        /// Take the bytes (return their count) and queue them for the delegate.
        case take
        /// Return `CURL_WRITEFUNC_PAUSE`: libcurl keeps the bytes and its receive side is paused now.
        case pause
        /// Failed: return 0, which fails the transfer (`CURLE_WRITE_ERROR`).
        case abort
        /// An impossible event: assert in debug builds, then abort as ``abort``.
        case fail(String)
    }

    /// The seek callback's answer.
    enum Rewind: Equatable {
        case rewound
        /// Cancelled or failed: `CURL_SEEKFUNC_CANTSEEK`.
        case refused
        /// An impossible event: assert in debug builds, then refuse.
        case fail(String)
    }

    /// libcurl's pause bits for one transfer, independent of libcurl's own constants (the
    /// handle maps them to `CURLPAUSE_RECV` and `CURLPAUSE_SEND`).
    struct CurlPause: OptionSet, Hashable, CustomStringConvertible {
        let rawValue: UInt8
        static let receive = CurlPause(rawValue: 1 << 0)
        static let send = CurlPause(rawValue: 1 << 1)

        var description: String {
            switch self {
            case []: return "none"
            case .receive: return "receive"
            case .send: return "send"
            default: return "receive+send"
            }
        }
    }
}
