#!/usr/bin/env python3
"""Slow, faulty and abusive clients of scripts/soak.sh, on raw sockets to 127.0.0.1.

    clients.py --port P --tokens DIR --out results.jsonl --state state.txt --seconds S

Each worker thread repeats one kind of exchange until S seconds have passed (or SIGTERM), with
a pause between exchanges, and appends one JSON line per exchange to --out:
{"t": seconds since start, "kind", "status" (the HTTP status, or "none"/"timeout"/"error:..."),
"ok" (the answer the kind expects), "ms", "note"}. The kinds and what each expects:

  reset          GET /reset/...: the backend resets the connection                  -> 502
  refused        GET /refused/...: nothing listens on the backend's port             -> 502
  stall          GET /stall/...: the backend never answers (past its header timeout) -> 504
  slow-head      a request head sent in pieces over ~0.8 s (under the head timeout)    -> 200
  slowloris      a head trickled one byte at a time past the head timeout             -> 408
  slow-body      a 64 KiB POST body in 4 KiB pieces every 100 ms                       -> 200, all bytes read
  body-stall     a POST that sends 8 KiB of its 64 KiB body, then goes silent           -> 408
  body-trickle   a POST body trickled at 5 bytes/s (never silent for long: the minimum
                 body rate, not the idle deadline, must end it)                         -> 408
  slow-reader    GET of a 4 MiB response read 16 KiB every 10 ms                        -> 200, 4 MiB
  abort-reading  GET of an 8 MiB response, 64 KiB read, then a reset                   -> 200 head
  abort-waiting  GET /slow/... (the slow backend), reset before the answer             -> (none read)
  pipelined      two GETs to the healthy route in one write                            -> 200, 200

SIGUSR1 pauses (each worker finishes its exchange, then waits), SIGUSR2 resumes; --state holds
"paused=0|1 busy=N" (N workers inside an exchange), rewritten every 0.1 s. On exit it prints one
JSON summary line: exchanges by kind and status, and how many were not what the kind expects.
"""

import argparse
import collections
import json
import os
import signal
import socket
import struct
import sys
import threading
import time

TIMEOUT = 20.0  # seconds: any single exchange that takes longer is a failure ("timeout")
# (kind, worker threads, seconds between two exchanges of one thread)
PLAN = [("reset", 1, 0.2), ("refused", 1, 0.2), ("stall", 2, 0.2),
        ("slow-head", 1, 0.2), ("slowloris", 2, 0.5), ("slow-body", 1, 0.2),
        ("body-stall", 1, 0.5), ("body-trickle", 1, 0.5), ("slow-reader", 2, 0.2), ("abort-reading", 1, 0.3),
        ("abort-waiting", 1, 0.3), ("pipelined", 1, 0.1)]
WORKERS = sum(count for _, count, _ in PLAN)  # exchanges under way at once, at most


class Exchange:
    """One connection to the gateway: raw writes, and a small HTTP/1.1 response reader."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data)

    def reset(self):
        """Closes with a TCP reset (SO_LINGER 0)."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.sock.close()

    def close(self):
        self.sock.close()

    def _fill(self, size=65536):
        data = self.sock.recv(size)
        if not data:
            raise EOFError("connection closed")
        self.buffer += data

    def read_head(self):
        """Returns (status, headers dict with lower-case names)."""
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > 65536:
                raise ValueError("response head too large")
            self._fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise ValueError(f"bad status line {lines[0][:60]!r}")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(parts[1]), headers

    def read_body(self, headers, chunk=65536, pause=0.0, limit=None):
        """Reads the body (Content-Length, chunked or until close); returns the byte count.
        `chunk` and `pause` make a slow reader; `limit` stops after that many bytes."""
        total = 0

        def take(n, counted=True):
            nonlocal total
            while len(self.buffer) < n:
                if pause:
                    time.sleep(pause)
                self._fill(chunk)
            self.buffer = self.buffer[n:]
            if counted:
                total += n

        if "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                while b"\r\n" not in self.buffer:
                    self._fill(chunk)
                line, _, self.buffer = self.buffer.partition(b"\r\n")
                size = int(line.split(b";")[0], 16)
                if size == 0:
                    while b"\r\n" not in self.buffer:  # no trailers expected
                        self._fill(chunk)
                    self.buffer = self.buffer.partition(b"\r\n")[2]
                    return total
                take(size)
                take(2, counted=False)  # the CRLF after the chunk
                if limit is not None and total >= limit:
                    return total
        if "content-length" in headers:
            remaining = int(headers["content-length"])
            while remaining > 0:
                n = min(remaining, chunk)
                if limit is not None and total >= limit:
                    return total
                take(n)
                remaining -= n
            return total
        while True:  # close-delimited
            try:
                self._fill(chunk)
            except EOFError:
                total += len(self.buffer)
                self.buffer = b""
                return total
            if pause:
                time.sleep(pause)


def request(method, path, token=None, length=None, extra=""):
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: scopegate-soak\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    if length is not None:
        head += f"Content-Length: {length}\r\nContent-Type: application/octet-stream\r\n"
    return (head + extra + "\r\n").encode()


class Clients:
    def __init__(self, args):
        self.args = args
        self.port = args.port
        with open(os.path.join(args.tokens, "valid.txt")) as f:
            self.token = f.read().strip()
        self.start = time.monotonic()
        self.deadline = self.start + args.seconds
        self.stop = threading.Event()
        self.resume = threading.Event()
        self.resume.set()
        self.lock = threading.Lock()
        self.busy = 0
        self.out = open(args.out, "a", buffering=1)
        self.counts = collections.Counter()
        self.bad = collections.Counter()

    # --- one exchange per kind: returns (status, ok, note) ------------------------------------

    def simple(self, path, want):
        ex = Exchange(self.port)
        try:
            ex.send(request("GET", path, self.token))
            status, headers = ex.read_head()
            ex.read_body(headers)
            return status, status == want, ""
        finally:
            ex.close()

    def kind_reset(self):
        return self.simple("/reset/item", 502)

    def kind_refused(self):
        return self.simple("/refused/item", 502)

    def kind_stall(self):
        return self.simple("/stall/item", 504)

    def kind_slow_head(self):
        ex = Exchange(self.port)
        try:
            data = request("GET", "/healthy/slow-head", self.token)
            step = len(data) // 10 + 1
            for i in range(0, len(data), step):
                ex.send(data[i:i + step])
                time.sleep(0.08)
            status, headers = ex.read_head()
            ex.read_body(headers)
            return status, status == 200, ""
        finally:
            ex.close()

    def kind_slowloris(self):
        ex = Exchange(self.port)
        try:
            data = request("GET", "/healthy/slowloris", self.token)
            sent = 0
            started = time.monotonic()
            try:
                # One byte every 250 ms: the head (> 400 bytes) would take minutes.
                while sent < len(data) and time.monotonic() - started < 15:
                    ex.send(data[sent:sent + 1])
                    sent += 1
                    ex.sock.settimeout(0.25)
                    try:
                        data_in = ex.sock.recv(65536)
                    except socket.timeout:
                        continue
                    finally:
                        ex.sock.settimeout(TIMEOUT)
                    if not data_in:
                        return "closed", False, f"closed without an answer after {sent} bytes"
                    ex.buffer += data_in
                    break
            except (BrokenPipeError, ConnectionResetError):
                if not ex.buffer:
                    return "reset", False, f"reset without an answer after {sent} bytes"
            status, headers = ex.read_head()
            return status, status == 408, f"{sent} bytes sent"
        finally:
            ex.close()

    def kind_slow_body(self):
        ex = Exchange(self.port)
        try:
            size, piece = 65536, 4096
            ex.send(request("POST", "/bulk/slow-body?digest=1", self.token, size))
            for _ in range(size // piece):
                time.sleep(0.1)
                ex.send(b"s" * piece)
            status, headers = ex.read_head()
            body = ex.buffer
            n = ex.read_body(headers)
            ok = status == 200 and f'"body_bytes":{size}'.encode() in body + ex.buffer
            return status, ok, f"{n} bytes answered"
        finally:
            ex.close()

    def kind_body_stall(self):
        ex = Exchange(self.port)
        try:
            ex.send(request("POST", "/bulk/body-stall?digest=1", self.token, 65536))
            ex.send(b"b" * 8192)
            status, headers = ex.read_head()
            return status, status == 408, ""
        finally:
            ex.close()

    def kind_body_trickle(self):
        ex = Exchange(self.port)
        try:
            ex.send(request("POST", "/bulk/body-trickle?digest=1", self.token, 4096))
            sent = 0
            started = time.monotonic()
            ex.sock.settimeout(0.2)
            while sent < 4096 and time.monotonic() - started < 15:
                try:
                    data = ex.sock.recv(65536)
                except socket.timeout:
                    try:
                        ex.send(b"t")
                    except (BrokenPipeError, ConnectionResetError):
                        break
                    sent += 1
                    continue
                if not data:
                    return "closed", False, f"closed without an answer after {sent} body bytes"
                ex.buffer += data
                break
            ex.sock.settimeout(TIMEOUT)
            status, headers = ex.read_head()
            return status, status == 408, f"{sent} body bytes sent in {time.monotonic() - started:.1f} s"
        finally:
            ex.close()

    def kind_slow_reader(self):
        ex = Exchange(self.port)
        try:
            size = 4 * 1048576
            ex.send(request("GET", f"/bulk/slow-reader?bytes={size}", self.token))
            status, headers = ex.read_head()
            n = ex.read_body(headers, chunk=16384, pause=0.01)
            return status, status == 200 and n == size, f"{n} bytes read"
        finally:
            ex.close()

    def kind_abort_reading(self):
        ex = Exchange(self.port)
        try:
            ex.send(request("GET", f"/bulk/abort-reading?bytes={8 * 1048576}", self.token))
            status, headers = ex.read_head()
            ex.read_body(headers, limit=65536)
            return status, status == 200, ""
        finally:
            ex.reset()

    def kind_abort_waiting(self):
        ex = Exchange(self.port)
        try:
            ex.send(request("GET", "/slow/abort-waiting", self.token))
            time.sleep(0.05)
            return "none", True, "reset before the answer"
        finally:
            ex.reset()

    def kind_pipelined(self):
        ex = Exchange(self.port)
        try:
            ex.send(request("GET", "/healthy/pipelined-1", self.token) + request("GET", "/healthy/pipelined-2", self.token))
            statuses = []
            for _ in range(2):
                status, headers = ex.read_head()
                ex.read_body(headers)
                statuses.append(status)
            return statuses[0], statuses == [200, 200], f"statuses {statuses}"
        finally:
            ex.close()

    # --- workers ------------------------------------------------------------------------------

    def record(self, kind, status, ok, ms, note):
        line = {"t": round(time.monotonic() - self.start, 3), "kind": kind, "status": status,
                "ok": ok, "ms": round(ms, 1), "note": note}
        with self.lock:
            self.counts[(kind, str(status))] += 1
            if not ok:
                self.bad[kind] += 1
            self.out.write(json.dumps(line) + "\n")

    def worker(self, kind, interval):
        run = getattr(self, "kind_" + kind.replace("-", "_"))
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            self.resume.wait()
            if self.stop.is_set():
                break
            with self.lock:
                # Checked under the lock the state writer reads busy with: once the state says
                # "paused=1 busy=0", no worker is inside an exchange or about to start one.
                if not self.resume.is_set():
                    continue
                self.busy += 1
            started = time.monotonic()
            try:
                status, ok, note = run()
            except socket.timeout:
                status, ok, note = "timeout", False, f"no answer within {TIMEOUT} s"
            except (OSError, EOFError, ValueError) as error:
                status, ok, note = "error", False, f"{type(error).__name__}: {error}"
            self.record(kind, status, ok, (time.monotonic() - started) * 1000, note)
            with self.lock:
                self.busy -= 1
            self.stop.wait(interval)

    def state_writer(self):
        while not self.stop.is_set():
            with self.lock:
                text = f"paused={0 if self.resume.is_set() else 1} busy={self.busy}\n"
            tmp = self.args.state + ".tmp"
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, self.args.state)
            time.sleep(0.1)

    def run(self):
        threads = [threading.Thread(target=self.state_writer, daemon=True)]
        for kind, count, interval in PLAN:
            for _ in range(count):
                threads.append(threading.Thread(target=self.worker, args=(kind, interval), daemon=True))
        for t in threads:
            t.start()
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            self.stop.wait(0.2)
        self.stop.set()
        self.resume.set()
        for t in threads[1:]:
            t.join(TIMEOUT + 5)
        by_kind = collections.defaultdict(dict)
        for (kind, status), n in sorted(self.counts.items()):
            by_kind[kind][status] = n
        print(json.dumps({"summary": True, "by_kind": by_kind, "unexpected": dict(self.bad)}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    clients = Clients(parser.parse_args())
    signal.signal(signal.SIGTERM, lambda *_: clients.stop.set())
    signal.signal(signal.SIGINT, lambda *_: clients.stop.set())
    signal.signal(signal.SIGUSR1, lambda *_: clients.resume.clear())
    signal.signal(signal.SIGUSR2, lambda *_: clients.resume.set())
    clients.run()


if __name__ == "__main__":
    sys.exit(main())
