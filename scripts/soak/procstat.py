#!/usr/bin/env python3
"""One /proc reading of the gateway for scripts/soak.sh, as one JSON line.

    procstat.py PID --client-ports P,Q --backends NAME=PORT,... [--faulty NAME,...]

{"rss_kib", "threads", "fds", "sockets", "non_socket" (descriptors that are not sockets: epoll,
eventfds, timers, pipes, log files), "listening", "client" (connections accepted on
--client-ports), "upstream" (connections to a --backends port), "upstream_by_backend",
"upstream_faulty" (to the --faulty backends), "close_wait" (sockets in CLOSE_WAIT), "unix",
"other_sockets", "fd_kinds" (non-socket descriptors by kind)}. Sockets are matched with
/proc/net/tcp{,6} by inode. A gateway that is gone gives {"gone": true}.
"""

import argparse
import json
import os
import re
from collections import Counter

TCP_LISTEN, TCP_CLOSE_WAIT = "0A", "08"


def tcp_table():
    """{inode: (local port, remote port, state)} of every TCP socket on the machine."""
    table = {}
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
                    table[inode] = (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16), state)
        except OSError:
            pass
    return table


def unix_inodes():
    inodes = set()
    try:
        with open("/proc/net/unix") as f:
            next(f)
            for line in f:
                fields = line.split()
                if len(fields) >= 7:
                    inodes.add(fields[6])
    except OSError:
        pass
    return inodes


def status(pid):
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "Threads"):
                values[key] = int(value.split()[0])
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pid", type=int)
    parser.add_argument("--client-ports", default="")
    parser.add_argument("--backends", default="")
    parser.add_argument("--faulty", default="")
    args = parser.parse_args()
    client_ports = {int(p) for p in args.client_ports.split(",") if p}
    backends = {}
    for item in filter(None, args.backends.split(",")):
        name, _, port = item.partition("=")
        backends[int(port)] = name
    faulty = set(filter(None, args.faulty.split(",")))
    try:
        st = status(args.pid)
        links = []
        fd_dir = f"/proc/{args.pid}/fd"
        for fd in os.listdir(fd_dir):
            try:
                links.append(os.readlink(os.path.join(fd_dir, fd)))
            except OSError:
                pass  # closed meanwhile
    except OSError:
        print(json.dumps({"gone": True}))
        return
    tcp, unix = tcp_table(), unix_inodes()
    out = {"rss_kib": st.get("VmRSS", 0), "threads": st.get("Threads", 0), "fds": len(links), "sockets": 0,
           "non_socket": 0, "listening": 0, "client": 0, "upstream": 0,
           "upstream_by_backend": {name: 0 for name in backends.values()}, "upstream_faulty": 0,
           "close_wait": 0, "unix": 0, "other_sockets": 0}
    kinds = Counter()
    for link in links:
        m = re.match(r"socket:\[(\d+)\]", link)
        if not m:
            out["non_socket"] += 1
            kind = re.sub(r"\[\d+\]$", "", link)
            kinds["file" if kind.startswith("/") else kind] += 1
            continue
        out["sockets"] += 1
        inode = m.group(1)
        if inode in tcp:
            local, remote, state = tcp[inode]
            if state == TCP_CLOSE_WAIT:
                out["close_wait"] += 1
            if state == TCP_LISTEN:
                out["listening"] += 1
            elif local in client_ports:
                out["client"] += 1
            elif remote in backends:
                out["upstream"] += 1
                out["upstream_by_backend"][backends[remote]] += 1
                if backends[remote] in faulty:
                    out["upstream_faulty"] += 1
            else:
                out["other_sockets"] += 1
        elif inode in unix:
            out["unix"] += 1
        else:
            out["other_sockets"] += 1
    out["fd_kinds"] = dict(sorted(kinds.items()))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
