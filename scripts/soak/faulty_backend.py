#!/usr/bin/env python3
"""A misbehaving HTTP/1.1 backend for scripts/soak.sh, on 127.0.0.1.

    faulty_backend.py --mode reset|stall --port P [--hold-max S]

reset  reads each request head (and its Content-Length body), then closes the connection with
       a TCP reset (SO_LINGER 0) without answering: the gateway must answer 502.
stall  reads each request head and body, then never answers; the connection is closed when
       the gateway closes it (its response-header timeout: 504) or after --hold-max seconds.

Prints one line "faulty-backend MODE: listening on 127.0.0.1:P" when ready, and, on SIGTERM or
SIGINT, one JSON line with its counters before it exits.
"""

import argparse
import asyncio
import json
import signal
import socket
import struct
import sys

MAX_HEAD = 65536


async def read_request(reader):
    """Reads one request head and its Content-Length body; None on EOF or a malformed head."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return None
    if length:
        try:
            await reader.readexactly(length)
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
    return head


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["reset", "stall"], required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hold-max", type=float, default=60.0)
    args = parser.parse_args()
    counters = {"mode": args.mode, "connections": 0, "requests": 0, "resets": 0, "stalled": 0,
                "closed_by_peer": 0, "closed_at_hold_max": 0, "open": 0}

    async def handle(reader, writer):
        counters["connections"] += 1
        counters["open"] += 1
        try:
            head = await read_request(reader)
            if head is None:
                return
            counters["requests"] += 1
            sock = writer.get_extra_info("socket")
            if args.mode == "reset":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                counters["resets"] += 1
                writer.transport.abort()
                return
            counters["stalled"] += 1
            try:
                # Whatever else arrives is read and dropped, until the peer closes.
                while await asyncio.wait_for(reader.read(65536), args.hold_max):
                    pass
                counters["closed_by_peer"] += 1
            except asyncio.TimeoutError:
                counters["closed_at_hold_max"] += 1
            except ConnectionError:
                counters["closed_by_peer"] += 1
        finally:
            counters["open"] -= 1
            if args.mode == "reset":
                writer.transport.abort()
            else:
                writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", args.port, limit=MAX_HEAD, backlog=512)
    print(f"faulty-backend {args.mode}: listening on 127.0.0.1:{args.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    print(json.dumps(counters), flush=True)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(130)
