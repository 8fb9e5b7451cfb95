#!/usr/bin/env python3
"""The report of scripts/soak.sh: reads a soak's directory, writes samples.csv, plot.svg (and
plot.png when matplotlib is importable) and summary.txt, prints the summary, and exits 0 when
every criterion passed, 1 otherwise.

    report.py DIR

Criteria (each printed as PASS/FAIL with its figure):
  rss flat          every quiet point after the warm-up within 5 % of the first one (the idle
                    gateway, load paused, every exchange ended), and every sample under load after
                    the warm-up within 5 % of the median of the first tenth of the measured span
  descriptors flat  at every quiet point after the warm-up: the gateway's own descriptors (all but
                    client connections and connections to backends) within 5 % of the first
                    one's; no client connection and none to a faulty backend open; the idle pool to
                    the healthy backends at most pool_bound (run.txt: the most requests the load
                    has in flight at once). Under load the count follows the connections in
                    flight: those samples are shown, not judged
  no 5xx            no 5xx on a route but /reset, /refused, /stall (the gateway's metrics), in
                    any wrk window, or in any client exchange on another route
  p99 bounded       every probe window after the warm-up: p99 under P99_LIMIT_MS and under
                    P99_FACTOR x the median window p99; every probe answer a 200, no socket error
  mixed load        every mixed window: only 200, 401 and 403, no socket error
  clients           every slow, faulty or abusive client exchange got what its kind expects
  reloads           every reload: valid ones applied, the invalid one refused, the realm served
                    after it that of the config that should run
  log               every line of the denial log is JSON and expected: denials only with the
                    reasons the load causes, upstream_failure only for reset/refused/stall (with
                    their reason), reload lines matching the reloads, no shutdown_cut, shutdown
                    only at the end; nothing on the gateway's stderr but its start line
  alive             the gateway ran to the end and exited 0 on SIGTERM
"""

import csv
import glob
import json
import os
import re
import statistics
import sys
from collections import Counter, defaultdict

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clients import PLAN  # noqa: E402  (the kinds of client exchanges that must each have run)

KINDS = [kind for kind, _, _ in PLAN]
TOLERANCE = 0.05          # RSS and descriptors: within 5 % of the warm-up value
P99_LIMIT_MS = 50.0       # every probe window's p99 under this
P99_FACTOR = 10.0         # ... and under this many times the median window's p99
FAULTY_ROUTES = {"/reset", "/refused", "/stall"}
FAULTY_REASONS = {"reset": "upstream_reset", "refused": "upstream_connect_failed", "stall": "upstream_timeout"}
# (reason, route) of the denials the load causes; None: no route (a head that never completed).
EXPECTED_DENIALS = {
    ("token_expired", "/healthy"), ("insufficient_scope", "/healthy"), ("missing_token", "/healthy"),
    ("request_timeout", None), ("request_timeout", "/bulk"),
}
CRASH_PATTERNS = re.compile(r"fatal error|Fatal error|panic|Segmentation|Illegal instruction|"
                            r"Trace/breakpoint|Backtrace|Aborted|Received signal", re.I)


def read_kv(path):
    values = {}
    if os.path.exists(path):
        for line in open(path):
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                values[key] = value
    return values


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def soakstat(path):
    try:
        for line in open(path):
            if line.startswith("SOAKSTAT "):
                return json.loads(line[len("SOAKSTAT "):])
    except OSError:
        pass
    return None


def metrics(path):
    """{(name, labels tuple): value} from a scrape."""
    values = {}
    try:
        for line in open(path):
            m = re.match(r"^(\w+)(?:\{([^}]*)\})? (\S+)$", line.strip())
            if m:
                labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', m.group(2) or "")))
                values[(m.group(1), labels)] = float(m.group(3))
    except OSError:
        pass
    return values


def fivexx(values):
    """5xx answers so far: (on faulty routes, on other routes, {route: n} of the others)."""
    faulty, other, by_route = 0, 0, Counter()
    for (name, labels), v in values.items():
        d = dict(labels)
        if name == "scopegate_requests_total" and d.get("code") == "5xx":
            if d.get("route") in FAULTY_ROUTES:
                faulty += v
            else:
                other += v
                by_route[d.get("route")] += v
    return int(faulty), int(other), by_route


def pct(a, b):
    return 100.0 * (a - b) / b if b else 0.0


class Report:
    def __init__(self, out):
        self.out = out
        self.run = read_kv(os.path.join(out, "run.txt"))
        self.warmup = float(self.run.get("warmup_s", 0))
        self.total = float(self.run.get("total_s", 0))
        self.results = []   # (name, ok, figure)
        self.notes = []
        self.rows = []

    # --- data -----------------------------------------------------------------------------------

    def load(self):
        for s in read_tsv(os.path.join(self.out, "samples.tsv")):
            row = {"t_s": float(s["t_s"]), "kind": s["kind"], "window": s["window"],
                   "phase": "warmup" if float(s["t_s"]) < self.warmup else "measured"}
            for key in ("gw_cpu_pct", "machine_busy_pct", "loadavg1"):
                row[key] = float(s[key] or 0)
            try:
                proc = json.loads(s["proc"])
            except (TypeError, ValueError):
                proc = {"gone": True}
            if proc.get("gone"):
                continue
            row.update(proc)
            # The gateway's own descriptors: all but the connections of clients and to backends.
            row["own"] = proc["fds"] - proc["client"] - proc["upstream"]
            row["pool"] = proc["upstream"] - proc["upstream_faulty"]
            label = s["window"]
            if s["kind"] == "load":
                probe = soakstat(os.path.join(self.out, "windows", f"{label}-probe.txt"))
                mixed = soakstat(os.path.join(self.out, "windows", f"{label}-mixed.txt"))
                row["probe"], row["mixed"] = probe, mixed
                m = metrics(os.path.join(self.out, "metrics", f"{label}.txt"))
            else:
                row["probe"] = row["mixed"] = None
                m = metrics(os.path.join(self.out, "metrics", f"quiet-{label}.txt"))
            row["metrics"] = m
            self.rows.append(row)
        self.reloads = read_tsv(os.path.join(self.out, "reloads.tsv"))

    # --- criteria ---------------------------------------------------------------------------------

    def result(self, name, ok, figure):
        self.results.append((name, ok, figure))

    def check_flat(self):
        quiet = [r for r in self.rows if r["kind"] == "quiet" and r["t_s"] >= self.warmup - 1]
        load = [r for r in self.rows if r["kind"] == "load" and r["phase"] == "measured"]
        self.baselines = {}
        if not quiet:
            self.result("rss flat", False, "no quiet point after the warm-up")
            self.result("descriptors flat", False, "no quiet point after the warm-up")
            return
        base = quiet[0]
        self.baselines["quiet_rss"] = base["rss_kib"]
        self.baselines["quiet_fds"] = base["fds"]
        # RSS: quiet points, and load samples against the first tenth of the measured span.
        q_dev = [(pct(r["rss_kib"], base["rss_kib"]), r) for r in quiet[1:]]
        q_worst = max(q_dev, key=lambda d: abs(d[0]), default=(0.0, base))
        span_end = self.warmup + (self.total - self.warmup) / 10
        first = [r["rss_kib"] for r in load if r["t_s"] <= span_end] or [r["rss_kib"] for r in load[:3]]
        load_base = statistics.median(first) if first else 0
        self.baselines["load_rss"] = load_base
        l_dev = [(pct(r["rss_kib"], load_base), r) for r in load]
        l_worst = max(l_dev, key=lambda d: abs(d[0]), default=(0.0, None))
        ok = len(quiet) >= 2 and all(abs(d) <= TOLERANCE * 100 for d, _ in q_dev + l_dev)
        quiet_series = ", ".join(f"{r['rss_kib'] / 1024:.1f}" for r in quiet)
        figure = (f"idle (quiet points) {quiet_series} MiB: worst {q_worst[0]:+.1f} % of {base['rss_kib'] / 1024:.1f} MiB "
                  f"at {q_worst[1]['t_s']:.0f} s; under load {min(r['rss_kib'] for r in load) / 1024 if load else 0:.1f}-"
                  f"{max(r['rss_kib'] for r in load) / 1024 if load else 0:.1f} MiB, worst {l_worst[0]:+.1f} % of "
                  f"{load_base / 1024:.1f} MiB (median of the first tenth after the warm-up)")
        if len(quiet) < 2:
            figure += "; fewer than two quiet points: nothing to compare"
        self.result("rss flat (within 5 %)", ok, figure)
        # Descriptors at quiet points: the gateway's own (flat), clients' and faulty backends'
        # connections (none), the idle pool to the healthy backends (bounded by the concurrency).
        base_own = base["own"]
        self.baselines["quiet_own"] = base_own
        o_dev = [(pct(r["own"], base_own), r) for r in quiet[1:]]
        o_worst = max(o_dev, key=lambda d: abs(d[0]), default=(0.0, base))
        open_left = [r for r in quiet if r["client"] or r["upstream_faulty"]]
        bound = int(self.run.get("pool_bound", 0) or 0)
        over = [r for r in quiet if bound and r["pool"] > bound]
        ok = (len(quiet) >= 2 and all(abs(d) <= TOLERANCE * 100 for d, _ in o_dev)
              and not open_left and not over)
        figure = (f"idle: own descriptors {', '.join(str(r['own']) for r in quiet)}, worst {o_worst[0]:+.1f} % "
                  f"of {base_own} at {o_worst[1]['t_s']:.0f} s; connections left open by clients or to faulty "
                  f"backends {sum(r['client'] + r['upstream_faulty'] for r in quiet)}; idle pool to the healthy "
                  f"backends {', '.join(str(r['pool']) for r in quiet)} (bound {bound or '?'}: the requests the load "
                  f"has in flight at most); all descriptors {', '.join(str(r['fds']) for r in quiet)}; under load "
                  f"{min((r['fds'] for r in load), default=0)}-{max((r['fds'] for r in load), default=0)} (connections "
                  f"in flight, not judged)")
        close_wait = [r["close_wait"] for r in quiet]
        if any(close_wait):
            figure += f"; CLOSE_WAIT at quiet points {', '.join(map(str, close_wait))}"
        self.result("descriptors flat (within 5 %)", ok, figure)

    def check_p99(self):
        windows = [r for r in self.rows if r["kind"] == "load" and r["phase"] == "measured"]
        missing = [r["window"] for r in windows if not r["probe"]]
        p99 = [(r["probe"]["latency_us"]["p99"] / 1000.0, r) for r in windows if r["probe"]]
        if not p99:
            self.result("healthy route p99 bounded", False, "no probe window after the warm-up")
            return
        median = statistics.median(v for v, _ in p99)
        limit = min(P99_LIMIT_MS, P99_FACTOR * median)
        over = [(v, r) for v, r in p99 if v >= limit]
        worst = max(p99, key=lambda x: x[0])
        errors = sum(sum(r["probe"]["errors"][k] for k in ("connect", "read", "write", "timeout")) for _, r in p99)
        non200 = sum(n for _, r in p99 for code, n in r["probe"]["statuses"].items() if code != "200")
        requests = sum(r["probe"]["requests"] for _, r in p99)
        self.p99 = {"median": median, "limit": limit, "worst": worst[0]}
        ok = not over and not missing and errors == 0 and non200 == 0
        figure = (f"{len(p99)} windows, {requests} requests: p99 median {median:.2f} ms, worst {worst[0]:.2f} ms "
                  f"at {worst[1]['t_s']:.0f} s (machine {worst[1]['machine_busy_pct']:.0f} % busy); bound min({P99_LIMIT_MS:.0f} ms, {P99_FACTOR:.0f} x median) = {limit:.2f} ms, "
                  f"{len(over)} windows over it; non-200 {non200}, socket errors {errors}")
        if missing:
            figure += f"; {len(missing)} windows without a result ({', '.join(missing[:5])})"
        self.result("healthy route p99 bounded", ok, figure)

    def check_mixed(self):
        windows = [r for r in self.rows if r["kind"] == "load"]
        statuses, errors, missing = Counter(), 0, 0
        for r in windows:
            m = r["mixed"]
            if not m:
                missing += 1
                continue
            statuses.update({code: n for code, n in m["statuses"].items()})
            errors += sum(m["errors"][k] for k in ("connect", "read", "write", "timeout"))
        other = {c: n for c, n in statuses.items() if c not in ("200", "401", "403")}
        ok = not other and errors == 0 and missing == 0 and statuses
        figure = f"{sum(statuses.values())} requests: " + ", ".join(f"{c}: {n}" for c, n in sorted(statuses.items()))
        figure += f"; socket errors {errors}"
        if missing:
            figure += f"; {missing} windows without a result"
        self.result("mixed load answers (200/401/403 only)", ok, figure)
        self.mixed_statuses = statuses

    def check_5xx(self):
        final = metrics(os.path.join(self.out, "metrics", "final.txt"))
        if not final:
            quiet = [r for r in self.rows if r["kind"] == "quiet"]
            final = quiet[-1]["metrics"] if quiet else {}
        faulty, other, by_route = fivexx(final)
        wrk5 = sum(n for r in self.rows for key in ("probe", "mixed") if r.get(key)
                   for code, n in r[key]["statuses"].items() if code.startswith("5"))
        client5 = 0
        path = os.path.join(self.out, "clients.jsonl")
        if os.path.exists(path):
            for line in open(path):
                d = json.loads(line)
                if d["kind"] not in ("reset", "refused", "stall") and str(d["status"]).startswith("5"):
                    client5 += 1
        ok = bool(final) and other == 0 and wrk5 == 0 and client5 == 0
        figure = (f"5xx on /reset, /refused, /stall: {faulty}; on other routes: {other}"
                  + (f" ({dict(by_route)})" if by_route else "")
                  + f"; in wrk windows: {wrk5}; in client exchanges on other routes: {client5}")
        if not final:
            figure += "; no metrics scrape"
        self.result("no 5xx but from the faulty backends", ok, figure)
        self.final_metrics = final

    def check_clients(self):
        path = os.path.join(self.out, "clients.jsonl")
        by_kind, bad, examples = defaultdict(Counter), Counter(), []
        if os.path.exists(path):
            for line in open(path):
                d = json.loads(line)
                by_kind[d["kind"]][str(d["status"])] += 1
                if not d["ok"]:
                    bad[d["kind"]] += 1
                    if len(examples) < 5:
                        examples.append(f"{d['kind']} at {d['t']:.0f} s: {d['status']} {d['note']}".strip())
        total = sum(sum(c.values()) for c in by_kind.values())
        missing = sorted(set(KINDS) - set(by_kind))
        ok = total > 0 and not bad and not missing
        parts = []
        for kind in sorted(by_kind):
            parts.append(f"{kind} " + "/".join(f"{s}:{n}" for s, n in sorted(by_kind[kind].items())))
        figure = f"{total} exchanges, {sum(bad.values())} unexpected: " + "; ".join(parts)
        if missing:
            figure += f"; kinds that never ran: {', '.join(missing)}"
        if examples:
            figure += "; e.g. " + " | ".join(examples)
        self.result("slow/faulty/abusive clients answered as expected", ok, figure)
        self.clients = by_kind

    def check_reloads(self):
        n = len(self.reloads)
        bad = [r for r in self.reloads if r["ok"] != "1"]
        kinds = Counter(r["config"] for r in self.reloads)
        ok = n >= 3 and not bad
        figure = (f"{n} SIGHUPs ({kinds.get('b', 0)} to B, {kinds.get('a', 0)} to A, {kinds.get('invalid', 0)} invalid), "
                  f"{n - len(bad)} as expected")
        if bad:
            figure += "; not: " + "; ".join(f"#{r['n']} {r['config']} at {r['t_s']} s: {r['result']}, realm {r['realm']}" for r in bad[:5])
        if n < 3:
            figure += "; fewer than 3 reloads (the run was too short to cycle B, A, invalid)"
        self.result("config reloads (B, A, invalid refused)", ok, figure)

    def check_log(self):
        path = os.path.join(self.out, "denials.log")
        events, unexpected, examples = Counter(), Counter(), []
        reload_results = Counter()
        shutdown_phases, last_non_shutdown = [], None
        denials, failures = Counter(), Counter()

        def flag(kind, line):
            unexpected[kind] += 1
            if len(examples) < 8:
                examples.append(line.strip()[:300])

        lines = 0
        if os.path.exists(path):
            for lineno, line in enumerate(open(path, errors="replace")):
                lines += 1
                try:
                    d = json.loads(line)
                except ValueError:
                    flag("not JSON", line)
                    continue
                event = d.get("event")
                events[event] += 1
                if event != "shutdown":
                    last_non_shutdown = lineno
                if event == "denial":
                    key = (d.get("reason"), d.get("route"))
                    denials[key] += 1
                    if key not in EXPECTED_DENIALS:
                        flag(f"denial {key[0]} on {key[1]}", line)
                elif event == "upstream_failure":
                    backend = d.get("backend")
                    failures[(backend, d.get("reason"))] += 1
                    if FAULTY_REASONS.get(backend) != d.get("reason"):
                        flag(f"upstream_failure {d.get('reason')} for {backend}", line)
                elif event == "reload":
                    reload_results[d.get("result")] += 1
                elif event == "stats":
                    pass
                elif event == "shutdown":
                    shutdown_phases.append((lineno, d.get("phase"), d.get("cut", 0)))
                else:
                    flag(f"event {event}", line)
        expected_reloads = Counter(r["expected"] for r in self.reloads)
        if reload_results != expected_reloads:
            unexpected["reload lines"] += 1
            examples.append(f"reload lines {dict(reload_results)}, SIGHUPs expected {dict(expected_reloads)}")
        phases = [p for _, p, _ in shutdown_phases]
        if self.run.get("gateway_exit_status") == "0":
            if phases != ["draining", "stopped_accepting", "stopped"]:
                unexpected["shutdown lines"] += 1
                examples.append(f"shutdown phases {phases}")
        if shutdown_phases and last_non_shutdown is not None and shutdown_phases[0][0] < last_non_shutdown:
            unexpected["shutdown before the end"] += 1
        if any(cut for _, _, cut in shutdown_phases):
            unexpected["requests cut at shutdown"] += 1
        # The gateway's stderr: its start line only (denials go to the file).
        stderr_path = os.path.join(self.out, "gateway.log")
        crash = False
        if os.path.exists(stderr_path):
            for line in open(stderr_path, errors="replace"):
                if CRASH_PATTERNS.search(line):
                    crash = True
                if line.startswith("scopegate: listening on ") or not line.strip():
                    continue
                flag("gateway stderr", line)
        if crash:
            unexpected["crash report on stderr"] += 1
        ok = lines > 0 and not unexpected
        figure = (f"{lines} lines: " + ", ".join(f"{e} {n}" for e, n in sorted(events.items(), key=lambda x: str(x[0])))
                  + "; upstream_failure by backend: " + ", ".join(f"{b} {r} {n}" for (b, r), n in sorted(failures.items()))
                  + f"; unexpected: {sum(unexpected.values())}")
        if unexpected:
            figure += " (" + ", ".join(f"{k}: {n}" for k, n in unexpected.items()) + ")"
        self.result("nothing logged that should not be", ok, figure)
        self.log_examples = examples
        self.denials = denials

    def check_alive(self):
        alive = self.run.get("alive_at_end") == "1"
        status = self.run.get("gateway_exit_status", "unknown")
        self.result("gateway alive at the end, exit 0 on SIGTERM", alive and status == "0",
                    f"alive at the end: {'yes' if alive else 'no'}; exit status after SIGTERM: {status}")

    def check_threads(self):
        measured = [r["threads"] for r in self.rows if r["phase"] == "measured"]
        warm = [r["threads"] for r in self.rows if r["phase"] == "warmup"]
        if measured:
            self.notes.append(f"threads: {min(measured)}-{max(measured)} after the warm-up "
                              f"({min(warm) if warm else '-'}-{max(warm) if warm else '-'} during it; the Swift "
                              f"runtime's workers come and go with load)")

    # --- outputs ----------------------------------------------------------------------------------

    def write_csv(self):
        columns = ["t_s", "kind", "window", "phase", "rss_kib", "fds", "own_fds", "non_socket_fds", "listening",
                   "client_connections_open", "upstream_connections", "upstream_pool_healthy", "upstream_faulty",
                   "close_wait", "threads", "gw_cpu_pct",
                   "machine_busy_pct", "loadavg1", "probe_requests", "probe_rps", "probe_p50_ms", "probe_p99_ms",
                   "probe_max_ms", "probe_non200", "probe_socket_errors", "mixed_requests", "mixed_rps",
                   "mixed_p99_ms", "mixed_200", "mixed_401", "mixed_403", "mixed_other", "mixed_socket_errors",
                   "client_connections", "in_flight", "5xx_faulty_routes_total", "5xx_other_routes_total",
                   "reloads_applied_total", "reloads_refused_total"]
        with open(os.path.join(self.out, "samples.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(columns)
            for r in self.rows:
                p, m, mt = r["probe"], r["mixed"], r["metrics"]
                faulty, other, _ = fivexx(mt)
                g = lambda name, labels=(): mt.get((name, labels), "")
                row = [r["t_s"], r["kind"], r["window"], r["phase"], r["rss_kib"], r["fds"], r["own"],
                       r["non_socket"], r["listening"], r["client"], r["upstream"], r["pool"], r["upstream_faulty"],
                       r["close_wait"], r["threads"], r["gw_cpu_pct"], r["machine_busy_pct"], r["loadavg1"]]
                if p:
                    row += [p["requests"], p["rps"], p["latency_us"]["p50"] / 1000, p["latency_us"]["p99"] / 1000,
                            p["latency_us"]["max"] / 1000, sum(n for c, n in p["statuses"].items() if c != "200"),
                            sum(p["errors"][k] for k in ("connect", "read", "write", "timeout"))]
                else:
                    row += [""] * 7
                if m:
                    s = m["statuses"]
                    row += [m["requests"], m["rps"], m["latency_us"]["p99"] / 1000, s.get("200", 0), s.get("401", 0),
                            s.get("403", 0), sum(n for c, n in s.items() if c not in ("200", "401", "403")),
                            sum(m["errors"][k] for k in ("connect", "read", "write", "timeout"))]
                else:
                    row += [""] * 8
                row += [g("scopegate_client_connections"), g("scopegate_requests_in_flight"),
                        faulty if mt else "", other if mt else "",
                        g("scopegate_config_reloads_total", (("result", "success"),)),
                        g("scopegate_config_reloads_total", (("result", "failure"),))]
                w.writerow(row)

    def series(self):
        load = [r for r in self.rows if r["kind"] == "load"]
        quiet = [r for r in self.rows if r["kind"] == "quiet"]
        return {
            "rss_load": [(r["t_s"], r["rss_kib"] / 1024) for r in load],
            "rss_quiet": [(r["t_s"], r["rss_kib"] / 1024) for r in quiet],
            "fds_load": [(r["t_s"], r["fds"]) for r in load],
            "fds_quiet": [(r["t_s"], r["fds"]) for r in quiet],
            "own_quiet": [(r["t_s"], r["own"]) for r in quiet],
            "pool_quiet": [(r["t_s"], r["pool"]) for r in quiet],
            "threads": [(r["t_s"], r["threads"]) for r in self.rows],
            "p99": [(r["t_s"], r["probe"]["latency_us"]["p99"] / 1000) for r in load if r["probe"]],
            "p50": [(r["t_s"], r["probe"]["latency_us"]["p50"] / 1000) for r in load if r["probe"]],
            "reloads": [float(r["t_s"]) for r in self.reloads],
        }

    def write_svg(self):
        s = self.series()
        width, left, right, panel_h, gap, top = 1000, 80, 20, 170, 45, 40
        b = self.baselines
        panels = [
            ("RSS (MiB)", [("rss_load", "#1f77b4", "under load"), ("rss_quiet", "#d62728", "quiet point")],
             [(b[k] / 1024, c) for k, c in (("quiet_rss", "#d62728"), ("load_rss", "#1f77b4")) if b.get(k)]),
            ("open descriptors", [("fds_load", "#1f77b4", "under load"), ("fds_quiet", "#d62728", "quiet: all"),
                                  ("own_quiet", "#000000", "quiet: own"), ("pool_quiet", "#ff7f0e", "quiet: pool")],
             [(b["quiet_own"], "#000000")] if b.get("quiet_own") else []),
            ("threads", [("threads", "#2ca02c", "threads")], []),
            ("healthy route latency (ms)", [("p99", "#9467bd", "p99 per window"), ("p50", "#8c564b", "p50 per window")],
             []),
        ]
        height = top + len(panels) * (panel_h + gap) + 10
        x_max = max(self.total, max((t for key in ("rss_load", "threads") for t, _ in s[key]), default=1)) * 1.02 or 1
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
               f'font-family="sans-serif" font-size="11">',
               '<rect width="100%" height="100%" fill="white"/>',
               f'<text x="{left}" y="20" font-size="14" font-weight="bold">ScopeGate soak: '
               f'{self.run.get("minutes", "?")} min, commit {self.run.get("commit", "?")}, '
               f'{"PASS" if self.passed else "FAIL"}</text>']

        def x(t):
            return left + (width - left - right) * t / x_max

        for i, (title, lines, bands) in enumerate(panels):
            y0 = top + i * (panel_h + gap)
            values = [v for key, _, _ in lines for _, v in s[key]]
            for baseline, _ in bands:
                values += [baseline * (1 - TOLERANCE), baseline * (1 + TOLERANCE)]
            if title.startswith("healthy") and getattr(self, "p99", None):
                values.append(self.p99["limit"])
            lo, hi = (min(values), max(values)) if values else (0, 1)
            if title.startswith("healthy"):
                lo = 0
            if hi - lo < 1e-9:
                hi = lo + 1
            pad = (hi - lo) * 0.08
            lo, hi = (lo - pad if lo - pad > 0 or not title.startswith("healthy") else 0), hi + pad

            def y(v, y0=y0, lo=lo, hi=hi):
                return y0 + panel_h - panel_h * (v - lo) / (hi - lo)

            out.append(f'<text x="{left}" y="{y0 - 6}" font-weight="bold">{title}</text>')
            # warm-up shading
            out.append(f'<rect x="{x(0):.1f}" y="{y0}" width="{x(self.warmup) - x(0):.1f}" height="{panel_h}" fill="#eeeeee"/>')
            out.append(f'<text x="{x(0) + 3:.1f}" y="{y0 + 12}" fill="#777">warm-up</text>')
            for baseline, color in bands:
                out.append(f'<rect x="{x(self.warmup):.1f}" y="{y(baseline * (1 + TOLERANCE)):.1f}" '
                           f'width="{x(x_max) - x(self.warmup):.1f}" '
                           f'height="{y(baseline * (1 - TOLERANCE)) - y(baseline * (1 + TOLERANCE)):.1f}" '
                           f'fill="{color}" fill-opacity="0.07"/>')
                out.append(f'<line x1="{x(self.warmup):.1f}" x2="{x(x_max):.1f}" y1="{y(baseline):.1f}" '
                           f'y2="{y(baseline):.1f}" stroke="{color}" stroke-dasharray="4 3" stroke-width="0.8"/>')
            if title.startswith("healthy") and getattr(self, "p99", None):
                lim = self.p99["limit"]
                out.append(f'<line x1="{x(self.warmup):.1f}" x2="{x(x_max):.1f}" y1="{y(lim):.1f}" y2="{y(lim):.1f}" '
                           f'stroke="#d62728" stroke-dasharray="6 3"/>')
                out.append(f'<text x="{x(x_max) - 4:.1f}" y="{y(lim) - 4:.1f}" text-anchor="end" fill="#d62728">'
                           f'bound {lim:.1f} ms</text>')
            for t in s["reloads"]:
                out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{y0 + panel_h - 6}" y2="{y0 + panel_h}" stroke="#ff7f0e"/>')
            # axes and ticks
            out.append(f'<rect x="{left}" y="{y0}" width="{width - left - right}" height="{panel_h}" '
                       f'fill="none" stroke="#444"/>')
            ticks = [lo + (hi - lo) * k / 4 for k in range(5)]
            if title == "threads":
                ticks = sorted({round(v) for v in ticks if lo <= round(v) <= hi})
            for v in ticks:
                label = f"{v:.0f}" if hi - lo >= 20 or title == "threads" else f"{v:.1f}" if hi - lo >= 2 else f"{v:.2f}"
                out.append(f'<line x1="{left - 4}" x2="{left}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#444"/>')
                out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{label}</text>')
            step = next(n for n in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 36000, 1e9)
                        if x_max / n <= 12)
            t = 0
            while t <= x_max:
                out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{y0 + panel_h}" y2="{y0 + panel_h + 4}" stroke="#444"/>')
                out.append(f'<text x="{x(t):.1f}" y="{y0 + panel_h + 15}" text-anchor="middle">{t:.0f}</text>')
                t += step
            legend_x = width - right - sum(24 + 7 * len(label) for _, _, label in lines)
            for key, color, label in lines:
                pts = s[key]
                if key.endswith("quiet"):
                    for t, v in pts:
                        out.append(f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="3.5" fill="{color}"/>')
                elif pts:
                    path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in pts)
                    out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.2"/>')
                out.append(f'<rect x="{legend_x}" y="{y0 - 15}" width="10" height="10" fill="{color}"/>')
                out.append(f'<text x="{legend_x + 14}" y="{y0 - 6}">{label}</text>')
                legend_x += 24 + 7 * len(label)
        out.append(f'<text x="{width - right}" y="{height - 4}" text-anchor="end" fill="#555">seconds since start; '
                   f'orange ticks: SIGHUP reloads; shaded bands: the 5 % allowed around each baseline (red: quiet points, '
                   f'blue: under load, black: own descriptors)</text>')
        out.append("</svg>")
        with open(os.path.join(self.out, "plot.svg"), "w") as f:
            f.write("\n".join(out) + "\n")

    def write_png(self):
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return False
        s = self.series()
        fig, axes = plt.subplots(4, 1, figsize=(11, 11), sharex=True)
        for ax, keys, title in [(axes[0], ["rss_load", "rss_quiet"], "RSS (MiB)"),
                                (axes[1], ["fds_load", "fds_quiet", "own_quiet", "pool_quiet"], "open descriptors"),
                                (axes[2], ["threads"], "threads"),
                                (axes[3], ["p99", "p50"], "healthy route latency (ms)")]:
            for key in keys:
                pts = s[key]
                if pts:
                    style = "o" if key.endswith("quiet") else "-"
                    ax.plot([t for t, _ in pts], [v for _, v in pts], style, label=key, markersize=4)
            ax.axvspan(0, self.warmup, color="#eeeeee")
            for t in s["reloads"]:
                ax.axvline(t, color="#ff7f0e", alpha=0.2, linewidth=0.8)
            ax.set_title(title, loc="left", fontsize=10)
            ax.legend(fontsize=8, loc="upper right")
        for ax, key, color in ((axes[0], "quiet_rss", "#d62728"), (axes[0], "load_rss", "#1f77b4"),
                               (axes[1], "quiet_own", "#000000")):
            base = self.baselines.get(key)
            if base:
                base = base if key == "quiet_own" else base / 1024
                ax.axhspan(base * (1 - TOLERANCE), base * (1 + TOLERANCE), xmin=self.warmup / max(self.total, 1),
                           color=color, alpha=0.07)
        if getattr(self, "p99", None):
            axes[3].axhline(self.p99["limit"], color="#d62728", linestyle="--")
        axes[3].set_xlabel("seconds since start")
        fig.suptitle(f"ScopeGate soak: {self.run.get('minutes', '?')} min, {'PASS' if self.passed else 'FAIL'}")
        fig.tight_layout()
        fig.savefig(os.path.join(self.out, "plot.png"), dpi=100)
        return True

    def summary(self):
        r = self.run
        lines = [f"ScopeGate soak test: {r.get('minutes', '?')} min ({r.get('started', '?')} to {r.get('ended', '?')})",
                 f"commit {r.get('commit', '?')}, binary {r.get('binary', '?')} (built {r.get('binary_mtime', '?')}), "
                 f"{r.get('nproc', '?')} cores",
                 f"warm-up {r.get('warmup_s')} s; windows of {r.get('window_s')} s (probe: {r.get('probe')}; "
                 f"mixed: {r.get('mixed')}); SIGHUP every {r.get('reload_every_s')} s; "
                 f"a quiet point every {r.get('quiet_every_s')} s", ""]
        load = [x for x in self.rows if x["kind"] == "load"]
        if load:
            probe_rps = statistics.median(x["probe"]["rps"] for x in load if x["probe"]) if any(x["probe"] for x in load) else 0
            mixed_rps = statistics.median(x["mixed"]["rps"] for x in load if x["mixed"]) if any(x["mixed"] for x in load) else 0
            cpu = statistics.median(x["gw_cpu_pct"] for x in load)
            busy = statistics.median(x["machine_busy_pct"] for x in load)
            lines.append(f"load: probe {probe_rps:.0f} req/s, mixed {mixed_rps:.0f} req/s (medians of the windows), "
                         f"plus the clients; gateway CPU {cpu:.0f} % of a core, machine {busy:.0f} % busy (medians)")
            lines.append("")
        width = max(len(name) for name, _, _ in self.results)
        for name, ok, figure in self.results:
            lines.append(f"{'PASS' if ok else 'FAIL'}  {name.ljust(width)}  {figure}")
        for note in self.notes:
            lines.append(f"      {note}")
        if self.log_examples:
            lines.append("")
            lines.append("unexpected log lines (first few):")
            lines.extend("  " + e for e in self.log_examples)
        lines.append("")
        lines.append(f"RESULT: {'PASS' if self.passed else 'FAIL'}")
        text = "\n".join(lines) + "\n"
        with open(os.path.join(self.out, "summary.txt"), "w") as f:
            f.write(text)
        return text


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    report = Report(sys.argv[1])
    report.load()
    report.check_flat()
    report.check_5xx()
    report.check_p99()
    report.check_mixed()
    report.check_clients()
    report.check_reloads()
    report.check_log()
    report.check_alive()
    report.check_threads()
    report.passed = all(ok for _, ok, _ in report.results)
    report.write_csv()
    report.write_svg()
    png = report.write_png()
    text = report.summary()
    print(text, end="")
    print(f"files: samples.csv, plot.svg{', plot.png' if png else ''}, summary.txt in {report.out}")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
