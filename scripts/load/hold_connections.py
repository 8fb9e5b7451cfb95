#!/usr/bin/env python3
"""Opens many idle keep-alive HTTP/1.1 connections to 127.0.0.1 and holds them.

Each connection sends one GET (with a bearer token) and reads the whole answer, so the server
holds it as a real keep-alive connection between requests; then it stays idle. Prints one JSON
line when every connection is open (or --open-timeout passed):

    {"event": "open", "target": N, "opened": n, "answered": {"200": n, ...}, "failed": k,
     "first_error": "...", "seconds": s}

then holds them until --hold seconds have passed or SIGTERM/SIGINT arrives, and prints:

    {"event": "done", "target": N, "held": n, "closed_by_server": k,
     "reused": m, "reused_answered": {"200": m, ...}, "seconds": s}

"held" counts connections still open at the end; "reused" sends a second request on up to
--reuse-sample of them to show they still work. Standard library only (asyncio); exits by
itself: the whole run is bounded by --open-timeout + --hold + 30 s.
"""
import argparse
import asyncio
import json
import resource
import signal
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="server port on 127.0.0.1")
    parser.add_argument("--count", type=int, default=10000, help="connections to open (10000)")
    parser.add_argument("--path", default="/", help="request path")
    parser.add_argument("--token-file", help="file whose first line is the bearer token")
    parser.add_argument("--hold", type=float, default=60, help="longest hold, seconds (60)")
    parser.add_argument("--open-timeout", type=float, default=60, help="longest time to open all, seconds (60)")
    parser.add_argument("--concurrency", type=int, default=200, help="connections being opened at once (200)")
    parser.add_argument("--reuse-sample", type=int, default=100, help="connections that send a second request at the end (100)")
    return parser.parse_args()


def raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed and soft != resource.RLIM_INFINITY:
        new = hard if hard == resource.RLIM_INFINITY else min(hard, max(needed, soft))
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return soft


async def read_response(reader):
    """Reads one response (Content-Length or chunked body); returns its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


class Holder:
    def __init__(self, args):
        self.args = args
        token = ""
        if args.token_file:
            with open(args.token_file, encoding="ascii") as file:
                token = file.readline().strip()
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.request = (f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n{auth}"
                        "User-Agent: scopegate-load-holder\r\n\r\n").encode("ascii")
        self.connections = []   # (reader, writer) of every open, answered connection
        self.answered = {}
        self.failed = 0
        self.first_error = None

    async def open_one(self, semaphore):
        async with semaphore:
            writer = None
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.args.port)
                writer.write(self.request)
                status = await asyncio.wait_for(read_response(reader), 30)
                self.answered[str(status)] = self.answered.get(str(status), 0) + 1
                self.connections.append((reader, writer))
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError) as error:
                self.failed += 1
                self.first_error = self.first_error or f"{type(error).__name__}: {error}"
                if writer is not None:
                    writer.close()

    async def run(self):
        args = self.args
        start = time.monotonic()
        semaphore = asyncio.Semaphore(args.concurrency)
        tasks = [asyncio.ensure_future(self.open_one(semaphore)) for _ in range(args.count)]
        done, pending = await asyncio.wait(tasks, timeout=args.open_timeout)
        for task in pending:
            task.cancel()
        if pending:
            self.failed += len(pending)
            self.first_error = self.first_error or f"{len(pending)} not open after {args.open_timeout} s"
            await asyncio.gather(*pending, return_exceptions=True)
        emit({"event": "open", "target": args.count, "opened": len(self.connections),
              "answered": self.answered, "failed": self.failed, "first_error": self.first_error,
              "seconds": round(time.monotonic() - start, 3)})

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await asyncio.wait_for(stop.wait(), args.hold)
        except asyncio.TimeoutError:
            pass

        # At EOF the server closed the connection while it was held.
        await asyncio.sleep(0)
        open_ones = [(r, w) for r, w in self.connections
                     if not r.at_eof() and r.exception() is None and not w.is_closing()]
        reused_answered = {}

        async def reuse(reader, writer):
            try:
                writer.write(self.request)
                status = await asyncio.wait_for(read_response(reader), 10)
                reused_answered[str(status)] = reused_answered.get(str(status), 0) + 1
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
                reused_answered["error"] = reused_answered.get("error", 0) + 1

        sample = open_ones[: args.reuse_sample]
        await asyncio.gather(*(reuse(r, w) for r, w in sample))
        emit({"event": "done", "target": args.count, "held": len(open_ones),
              "closed_by_server": len(self.connections) - len(open_ones),
              "reused": len(sample), "reused_answered": reused_answered,
              "seconds": round(time.monotonic() - start, 3)})
        for _, writer in self.connections:
            writer.close()


def emit(record):
    print(json.dumps(record), flush=True)


def main():
    args = parse_args()
    limit = raise_fd_limit(args.count + 64)
    if limit < args.count + 64:
        print(f"hold_connections: open-file limit {limit} is too low for {args.count} connections "
              f"(raise ulimit -n)", file=sys.stderr)
    holder = Holder(args)
    try:
        asyncio.run(asyncio.wait_for(holder.run(), args.open_timeout + args.hold + 30))
    except asyncio.TimeoutError:
        print("hold_connections: gave up (time bound reached)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
