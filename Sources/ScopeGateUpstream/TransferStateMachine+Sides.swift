import NIOCore

/// The data the states carry: the request-body queue and libcurl's view of each side.
extension TransferStateMachine {
    /// libcurl's send side, as the read callback left it.
    enum CurlSide: Equatable {
        /// libcurl reads when it can send.
        case reading
        /// The read callback found the queue empty and paused the send side.
        case starved
        /// Still paused, but bytes or the end arrived: the curl loop was kicked to resume it.
        case waking
    }

    /// Why the response side is held: the client is not writable, and/or too many bytes are on
    /// their way to it (``UpstreamBufferLimits/responseHighWater``).
    struct PauseCauses: OptionSet, Hashable, CustomStringConvertible {
        let rawValue: UInt8
        static let client = PauseCauses(rawValue: 1 << 0)
        static let buffer = PauseCauses(rawValue: 1 << 1)

        var description: String {
            switch self {
            case []: return "none"
            case .client: return "client"
            case .buffer: return "buffer"
            default: return "client+buffer"
            }
        }
    }

    /// libcurl's receive side: what is wanted and what is applied.
    enum ReceivePause: Equatable, CustomStringConvertible {
        /// Not paused, nothing asks for it.
        case flowing
        /// The client asked for a pause, libcurl not yet paused: the curl loop was kicked (and
        /// the next write callback pauses anyway).
        case pausing
        /// libcurl is paused, for these causes (never empty).
        case paused(PauseCauses)
        /// libcurl is paused with no cause left: the curl loop was kicked to resume it.
        case resuming

        /// Whether libcurl's receive side is paused now.
        var isApplied: Bool {
            switch self {
            case .flowing, .pausing: return false
            case .paused, .resuming: return true
            }
        }

        /// The state once the curl loop applied what is wanted; nil when nothing changes.
        var applying: ReceivePause? {
            switch self {
            case .pausing: return .paused(.client)
            case .resuming: return .flowing
            case .flowing, .paused: return nil
            }
        }

        /// The client's cause set (`paused`) or cleared, and whether the curl loop must be kicked.
        func settingClient(_ paused: Bool) -> (ReceivePause, Action) {
            switch (self, paused) {
            case (.flowing, true): return (.pausing, .kick)
            case (.pausing, true): return (.pausing, .none)
            case (.paused(let causes), true): return (.paused(causes.union(.client)), .none)
            case (.resuming, true): return (.paused(.client), .none)
            case (.flowing, false), (.pausing, false): return (.flowing, .none)
            case (.paused(let causes), false):
                let left = causes.subtracting(.client)
                return left.isEmpty ? (.resuming, .kick) : (.paused(left), .none)
            case (.resuming, false): return (.resuming, .none)
            }
        }

        var description: String {
            switch self {
            case .flowing: return "flowing"
            case .pausing: return "pausing"
            case .paused(let causes): return "paused(\(causes))"
            case .resuming: return "resuming"
            }
        }
    }

    /// Request-body parts not yet read by libcurl, and their byte count.
    struct BodyQueue {
        private var parts = CircularBuffer<ByteBuffer>()
        private(set) var bytes = 0

        init() {}

        init(_ body: ByteBuffer) {
            append(body)
        }

        mutating func append(_ part: ByteBuffer) {
            guard part.readableBytes > 0 else { return }
            parts.append(part)
            bytes += part.readableBytes
        }

        /// Moves up to `destination.count` bytes into `destination`, in order; returns how many.
        mutating func copy(into destination: UnsafeMutableRawBufferPointer) -> Int {
            var copied = 0
            while copied < destination.count, var first = parts.first {
                let count = min(destination.count - copied, first.readableBytes)
                first.withUnsafeReadableBytes { source in
                    UnsafeMutableRawBufferPointer(rebasing: destination[copied..<(copied + count)])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<count]))
                }
                first.moveReaderIndex(forwardBy: count)
                if first.readableBytes == 0 {
                    parts.removeFirst()
                } else {
                    parts[parts.startIndex] = first
                }
                copied += count
            }
            bytes -= copied
            return copied
        }
    }
}
