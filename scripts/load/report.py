#!/usr/bin/env python3
"""Turns a scripts/load/run.sh out dir into the report.

    python3 scripts/load/report.py OUT_DIR

Reads OUT_DIR/run.txt (the run's parameters) and, per scenario, OUT_DIR/SCENARIO/wrk.txt
(wrk's raw output with the LOADSTAT and LOADCURVE lines of wrk/load.lua), measure.txt
(/proc readings taken by run.sh), samples.tsv (threads and RSS during the run) and, for
many-connections, holder.jsonl. Checks every scenario, prints the table, and writes
report.txt, results.json, results.csv and latency.html (inline SVG) into OUT_DIR.
Exit status 1 when a scenario's check failed. Standard library only.
"""
import csv
import html
import json
import math
import os
import re
import sys

MIB = 1 << 20
MIXED_WEIGHTS = {"200": 8, "401": 1, "403": 1}   # the token file of `mixed`: 8 valid, 1 expired, 1 without the scope
ONLY_200 = {"allowed", "unique-tokens", "large-bodies", "many-connections", "slow-backend"}
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]


def read_keyvalues(path):
    values = {}
    if not os.path.exists(path):
        return values
    with open(path, encoding="utf-8") as file:
        for line in file:
            key, sep, value = line.rstrip("\n").partition("=")
            if not sep:
                continue
            if key == "fail":
                values.setdefault("fail", []).append(value)
            else:
                values[key] = value
    return values


def number(values, key, default=None):
    try:
        return float(values[key])
    except (KeyError, ValueError):
        return default


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()
    except OSError:
        return ""


def tagged_json(text, tag):
    for line in text.splitlines():
        if line.startswith(tag + " "):
            try:
                return json.loads(line[len(tag) + 1:])
            except ValueError:
                return None
    return None


UNITS_US = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}


def wrk_printed(text):
    """What wrk itself printed: requests, req/s, latency distribution (µs), non-2xx, socket errors."""
    printed = {"percentiles_us": {}}
    match = re.search(r"^\s*(\d+) requests in ([\d.]+)(\w+)", text, re.M)
    if match:
        printed["requests"] = int(match.group(1))
    match = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    if match:
        printed["rps"] = float(match.group(1))
    for pct, value, unit in re.findall(r"^\s+(\d+(?:\.\d+)?)%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M):
        printed["percentiles_us"][pct] = float(value) * UNITS_US[unit]
    match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    printed["non2xx"] = int(match.group(1)) if match else 0
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    printed["socket_errors"] = [int(g) for g in match.groups()] if match else [0, 0, 0, 0]
    return printed


def close_enough(ours, printed_value, relative=0.005, absolute=0.0):
    return abs(ours - printed_value) <= max(abs(printed_value) * relative, absolute)


def read_samples(path):
    samples = []
    for line in read_text(path).splitlines():
        parts = line.split()
        if len(parts) == 3:
            try:
                samples.append((float(parts[0]), int(parts[1]), int(parts[2])))
            except ValueError:
                pass
    return samples


def read_holder(path):
    records = {}
    for line in read_text(path).splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        records[record.get("event")] = record
    return records


def analyse(out, run, name):
    directory = os.path.join(out, name)
    measure = read_keyvalues(os.path.join(directory, "measure.txt"))
    wrk_text = read_text(os.path.join(directory, "wrk.txt"))
    stat = tagged_json(wrk_text, "LOADSTAT")
    curve = tagged_json(wrk_text, "LOADCURVE")
    samples = read_samples(os.path.join(directory, "samples.tsv"))
    checks = []

    def check(label, ok, detail=""):
        checks.append({"check": label, "ok": bool(ok), "detail": detail})

    for failure in measure.get("fail", []):
        check("run", False, failure)
    result = {"scenario": name, "checks": checks, "notes": []}
    if stat is None:
        check("wrk result", False, "no LOADSTAT line in wrk.txt (wrk did not finish)")
        result["ok"] = False
        return result

    requests = stat["requests"]
    statuses = {str(k): v for k, v in stat["statuses"].items()}
    errors = stat["errors"]
    latency = stat["latency_us"]
    t0, t1 = number(measure, "t0", 0), number(measure, "t1", 0)
    wall = max(t1 - t0, 1e-9)
    clk = number(run, "clk_tck", 100)
    gw_cpu = (number(measure, "gw_ticks1", 0) - number(measure, "gw_ticks0", 0)) / clk / wall * 100
    backend_cpu = (number(measure, "be_ticks1", 0) - number(measure, "be_ticks0", 0)) / clk / wall * 100
    busy = number(measure, "m_busy1", 0) - number(measure, "m_busy0", 0)
    total = number(measure, "m_total1", 0) - number(measure, "m_total0", 0)
    machine_busy = busy / total * number(run, "nproc", 1) * 100 if total > 0 else None
    wrk_cpu = number(measure, "wrk_cpu_s", 0) / wall * 100
    other_cpu = None if machine_busy is None else max(0.0, machine_busy - gw_cpu - backend_cpu - wrk_cpu)
    # Read after the warm-up: the Swift runtime's worker threads come and go with idleness
    # (about 5 s), so a reading taken before the warm-up depends on how long set-up took.
    threads_before = int(number(measure, "threads_after_warmup", number(measure, "threads_before", 0)))
    threads_during = max([s[1] for s in samples], default=0)
    rss_during = max([s[2] for s in samples], default=0)
    hwm = int(number(measure, "hwm_kib", 0))
    non2xx = {code: n for code, n in statuses.items() if not code.startswith("2")}
    socket_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]

    result.update({
        "connections": stat.get("connections"), "wrk_threads": stat.get("threads"),
        "requests": requests, "duration_s": round(stat["duration_us"] / 1e6, 3),
        "bytes": stat["bytes"], "rps": round(stat["rps"], 2),
        "latency_ms": {key: round(value / 1000, 3) for key, value in latency.items()},
        "statuses": statuses, "non2xx": non2xx, "errors": errors,
        "gateway_cpu_pct": round(gw_cpu, 1), "backend_cpu_pct": round(backend_cpu, 1),
        "wrk_cpu_pct": round(wrk_cpu, 1),
        "machine_busy_pct": None if machine_busy is None else round(machine_busy, 1),
        "other_cpu_pct": None if other_cpu is None else round(other_cpu, 1),
        "peak_rss_mib": round(hwm / 1024, 1), "rss_before_mib": round(int(number(measure, "rss_before_kib", 0)) / 1024, 1),
        "rss_during_max_mib": round(rss_during / 1024, 1),
        "threads_before": threads_before, "threads_during_max": threads_during,
        "loadavg_before": measure.get("loadavg_before"),
        "curve": curve["points"] if curve else [],
    })

    # Every scenario: wrk finished cleanly, and the report says what wrk itself printed.
    check("requests > 0", requests > 0, f"{requests}")
    check("no socket errors", socket_errors == 0,
          "connect {connect}, read {read}, write {write}, timeout {timeout}".format(**errors))
    check("every answer counted by status", sum(statuses.values()) == requests,
          f"{sum(statuses.values())} counted, {requests} completed")
    printed = wrk_printed(wrk_text)
    mismatches = []
    if printed.get("requests") != requests:
        mismatches.append(f"requests {printed.get('requests')} vs {requests}")
    if "rps" not in printed or not close_enough(stat["rps"], printed["rps"], 0.0005, 0.01):
        mismatches.append(f"req/s {printed.get('rps')} vs {stat['rps']:.2f}")
    for pct, key in (("50", "p50"), ("90", "p90"), ("99", "p99")):
        value = printed["percentiles_us"].get(pct)
        # wrk prints 2 decimals in its unit (us, ms, s).
        if value is None or not close_enough(latency[key], value, 0.006, 0.006):
            mismatches.append(f"p{pct} {value} vs {latency[key]} us")
    if printed["non2xx"] != errors["status"]:
        mismatches.append(f"non-2xx/3xx {printed['non2xx']} vs {errors['status']}")
    if printed["socket_errors"] != [errors["connect"], errors["read"], errors["write"], errors["timeout"]]:
        mismatches.append(f"socket errors {printed['socket_errors']}")
    check("matches wrk's own output", not mismatches, "; ".join(mismatches) or "requests, req/s, p50/p90/p99, non-2xx, socket errors")

    if name in ONLY_200:
        check("only 200", set(statuses) == {"200"}, status_text(statuses))
    if name == "mixed":
        weight_sum = sum(MIXED_WEIGHTS.values())
        tolerance = stat.get("threads", 1) * weight_sum + (stat.get("connections") or 0)
        off = []
        for code, weight in MIXED_WEIGHTS.items():
            expected = requests * weight / weight_sum
            if abs(statuses.get(code, 0) - expected) > tolerance:
                off.append(f"{code}: {statuses.get(code, 0)} vs {expected:.0f}")
        unexpected = sorted(set(statuses) - set(MIXED_WEIGHTS))
        check("ratio 200:401:403 = 8:1:1", not off and not unexpected,
              "; ".join(off + [f"unexpected {code}" for code in unexpected])
              or f"{status_text(statuses)} (tolerance ±{tolerance})")
    if name == "large-bodies":
        per_request = stat["bytes"] / requests if requests else 0
        check("1 MiB answers", per_request >= MIB, f"{per_request / MIB:.3f} MiB read per request")
    if name == "unique-tokens":
        pool, distinct = int(number(measure, "pool_size", 0)), int(number(measure, "pool_distinct", 0))
        check("pool of distinct tokens", distinct == pool and pool >= 1000, f"{distinct} distinct of {pool}")
        result["pool_size"] = pool
        result["verification_cache_max_entries"] = int(number(measure, "cache_entries", 0))
        result["notes"].append(f"{pool} tokens round-robin; verification cache {result['verification_cache_max_entries']} entries (every request verifies)")
    if name == "slow-backend":
        delay_ms = number(measure, "delay_ms", 0)
        connections = stat.get("connections") or 0
        ceiling = connections / (delay_ms / 1000) if delay_ms else 0
        result.update({"delay_ms": delay_ms, "rps_ceiling": round(ceiling, 1)})
        check("answers wait the delay", latency["p50"] >= delay_ms * 1000, f"p50 {latency['p50'] / 1000:.1f} ms, delay {delay_ms:.0f} ms")
        # Requests waiting on the backend at once (Little's law: req/s x delay). Half the
        # connections is far beyond what a thread per request could hold with this many threads.
        waiting = stat["rps"] * delay_ms / 1000
        result["backend_concurrency"] = round(waiting)
        check("concurrency held", waiting >= 0.5 * connections,
              f"about {waiting:.0f} requests waiting on the backend at once (req/s x delay; at least "
              f"{connections // 2} required) with {threads_during} gateway threads; {stat['rps']:.0f} req/s of "
              f"{ceiling:.0f} = {connections} connections / {delay_ms:.0f} ms")
        check("threads did not grow", threads_during <= threads_before,
              f"{threads_before} before, at most {threads_during} during")
        result["notes"].append(f"backend delay {delay_ms:.0f} ms: about {waiting:.0f} requests waiting on it at once "
                               f"(ceiling {connections}); gateway threads {threads_before} before, {threads_during} during")
    if name == "many-connections":
        holder = read_holder(os.path.join(directory, "holder.jsonl"))
        opened, done = holder.get("open", {}), holder.get("done", {})
        target = int(number(measure, "idle_target", 0))
        rss_idle = int(number(measure, "rss_idle_kib", 0))
        rss_before = int(number(measure, "rss_before_kib", 0))
        result.update({
            "idle_target": target, "idle_opened": opened.get("opened"), "idle_held_at_end": done.get("held"),
            "idle_open_seconds": opened.get("seconds"), "rss_idle_mib": round(rss_idle / 1024, 1),
            "threads_idle": int(number(measure, "threads_idle", 0)),
            "kib_per_idle_connection": round((rss_idle - rss_before) / target, 2) if target else None,
        })
        if measure.get("idle_limited"):
            result["notes"].append(measure["idle_limited"])
        check("idle connections opened", opened.get("opened") == target and opened.get("answered", {}) == {"200": target},
              f"{opened.get('opened')} of {target} open, answers {status_text(opened.get('answered', {}))}"
              + (f", first error: {opened.get('first_error')}" if opened.get("first_error") else ""))
        check("idle connections held to the end", done.get("held") == opened.get("opened") and done.get("held") is not None,
              f"{done.get('held')} held, {done.get('closed_by_server')} closed by the server")
        reused = done.get("reused_answered", {})
        check("held connections still work", done.get("reused", 0) > 0 and reused == {"200": done.get("reused")},
              f"second request on {done.get('reused')}: {status_text(reused)}")
        result["notes"].append(
            f"{opened.get('opened')} idle keep-alive connections: RSS {result['rss_before_mib']} MiB before, "
            f"{result['rss_idle_mib']} MiB idle ({result['kib_per_idle_connection']} KiB each), peak {result['peak_rss_mib']} MiB")
    result["ok"] = all(c["ok"] for c in checks)
    return result


def status_text(statuses):
    return " ".join(f"{code}:{n}" for code, n in sorted(statuses.items())) or "-"


def fmt(value, digits=2):
    return "-" if value is None else f"{value:.{digits}f}"


TABLE_HEADER = ["scenario", "conns", "req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "non-2xx",
                "errors", "gw CPU %", "peak RSS MiB", "threads", "backend CPU %", "check"]


def table_rows(results):
    rows = []
    for r in results:
        if "rps" not in r:
            rows.append([r["scenario"]] + ["-"] * (len(TABLE_HEADER) - 2) + ["FAIL"])
            continue
        lat = r["latency_ms"]
        errors = sum(r["errors"][k] for k in ("connect", "read", "write", "timeout"))
        rows.append([
            r["scenario"], str(r["connections"]), f"{r['rps']:.0f}",
            fmt(lat["p50"]), fmt(lat["p90"]), fmt(lat["p99"]), fmt(lat["p99.9"]),
            status_text(r["non2xx"]) if r["non2xx"] else "0", str(errors),
            fmt(r["gateway_cpu_pct"], 0), fmt(r["peak_rss_mib"], 1),
            f"{r['threads_before']}->{r['threads_during_max']}", fmt(r["backend_cpu_pct"], 0),
            "ok" if r["ok"] else "FAIL",
        ])
    return rows


def render_table(rows):
    widths = [max(len(str(x)) for x in column) for column in zip(TABLE_HEADER, *rows)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(TABLE_HEADER, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(c.rjust(w) if i and i < len(row) - 1 else c.ljust(w)
                                        for i, (c, w) in enumerate(zip(row, widths))) + " |")
    return "\n".join(lines)


# --- the latency plot ---------------------------------------------------------------------

def x_of(percentile):
    return math.log10(1 / (1 - percentile / 100))


def curve_points(result, xmax):
    """(x, latency_ms) of a scenario, kept where wrk had enough samples (1/(1-p) <= requests)."""
    points = []
    for p, us in result.get("curve", []):
        if p >= 100 or us <= 0:
            continue
        x = x_of(p)
        if x > xmax or 10 ** x > max(result.get("requests", 1), 1):
            continue
        points.append((x, us / 1000))
    return points


def svg_chart(series, width, height, title, log_y, xmax):
    left, right, top, bottom = 64, 34, 28, 44
    if len(series) > 1:
        right = 40 + 7 * max(len(name) for name, _, _ in series)   # the legend, right of the plot
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [y for _, points, _ in series for _, y in points]
    if not values:
        return f'<svg width="{width}" height="{height}"><text x="10" y="20">{html.escape(title)}: no data</text></svg>'
    if log_y:
        ylo = math.floor(math.log10(min(values)))
        yhi = math.ceil(math.log10(max(values)))
        yhi = yhi if yhi > ylo else ylo + 1

        def y_of(v):
            return top + plot_h - (math.log10(v) - ylo) / (yhi - ylo) * plot_h
        ticks = [(10 ** e, f"{10 ** e:g}") for e in range(ylo, yhi + 1)]
        minor = [m * 10 ** e for e in range(ylo, yhi) for m in (2, 5)]
    else:
        raw_step = max(values) * 1.05 / 5
        magnitude = 10 ** math.floor(math.log10(raw_step))
        step = next(f * magnitude for f in (1, 2, 5, 10) if f * magnitude >= raw_step)
        yhi_value = math.ceil(max(values) * 1.05 / step) * step

        def y_of(v):
            return top + plot_h - v / yhi_value * plot_h
        count = int(round(yhi_value / step))
        ticks = [(i * step, f"{i * step:g}") for i in range(count + 1)]
        minor = []

    def x_px(x):
        return left + x / xmax * plot_w

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
           f'<text x="{left}" y="16" font-size="13" font-weight="bold">{html.escape(title)}</text>',
           f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>']
    for value in minor:
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y_of(value):.1f}" y2="{y_of(value):.1f}" stroke="#f0f0f0"/>')
    for value, label in ticks:
        y = y_of(value)
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    for percentile in (0, 50, 90, 99, 99.9, 99.99, 99.999):
        x = x_of(percentile)
        if x > xmax + 1e-9:
            continue
        out.append(f'<line x1="{x_px(x):.1f}" x2="{x_px(x):.1f}" y1="{top}" y2="{top + plot_h}" stroke="#ddd"/>')
        out.append(f'<text x="{x_px(x):.1f}" y="{top + plot_h + 14}" text-anchor="middle">{percentile:g}%</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 6}" text-anchor="middle">percentile (log scale of 1/(1-p))</text>')
    out.append(f'<text x="14" y="{top + plot_h / 2}" transform="rotate(-90 14 {top + plot_h / 2})" text-anchor="middle">'
               f'latency, ms{" (log)" if log_y else ""}</text>')
    for name, points, color in series:
        if not points:
            continue
        path = " ".join(f"{x_px(x):.1f},{y_of(y):.1f}" for x, y in points)
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"><title>{html.escape(name)}</title></polyline>')
    if len(series) > 1:
        for i, (name, _, color) in enumerate(series):
            y = top + 10 + i * 16
            out.append(f'<rect x="{left + plot_w + 22}" y="{y - 4}" width="14" height="3" fill="{color}"/>'
                       f'<text x="{left + plot_w + 40}" y="{y}">{html.escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def write_html(path, run, results, table):
    measured = [r for r in results if r.get("curve")]
    xmax = 5.0
    series = [(r["scenario"], curve_points(r, xmax), COLORS[i % len(COLORS)]) for i, r in enumerate(measured)]
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>ScopeGate load test</title>",
             "<style>body{font-family:sans-serif;margin:24px} pre{font-size:12px} .grid{display:flex;flex-wrap:wrap;gap:12px}</style>",
             "</head><body><h1>ScopeGate load test</h1>",
             f"<p>{html.escape(run.get('started', ''))}, commit {html.escape(run.get('commit', '?'))}, "
             f"{html.escape(run.get('nproc', '?'))} CPUs; wrk -t{html.escape(run.get('threads', '?'))} "
             f"-d{html.escape(run.get('duration', '?'))}s, gateway --event-loops {html.escape(run.get('event_loops', '?'))}. "
             "Latency percentiles from wrk (latency:percentile in wrk/load.lua's done()); a curve stops where wrk "
             "had fewer than 1/(1-p) samples.</p>",
             f"<pre>{html.escape(table)}</pre>",
             svg_chart(series, 960, 460, "All scenarios", True, xmax),
             "<div class='grid'>"]
    for name, points, color in series:
        parts.append(svg_chart([(name, points, color)], 470, 260, name, False, xmax))
    parts.append("</div></body></html>")
    with open(path, "w", encoding="utf-8") as file:
        file.write("\n".join(parts))


def write_csv(path, results):
    columns = ["scenario", "ok", "connections", "wrk_threads", "duration_s", "requests", "rps",
               "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "statuses", "non2xx",
               "errors_connect", "errors_read", "errors_write", "errors_timeout", "errors_status",
               "gateway_cpu_pct", "backend_cpu_pct", "wrk_cpu_pct", "machine_busy_pct", "other_cpu_pct", "peak_rss_mib", "rss_before_mib",
               "threads_before", "threads_during_max", "failed_checks", "notes"]
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        for r in results:
            lat, errors = r.get("latency_ms", {}), r.get("errors", {})
            writer.writerow([
                r["scenario"], r["ok"], r.get("connections"), r.get("wrk_threads"), r.get("duration_s"),
                r.get("requests"), r.get("rps"), lat.get("p50"), lat.get("p90"), lat.get("p99"), lat.get("p99.9"),
                lat.get("max"), status_text(r.get("statuses", {})), sum(r.get("non2xx", {}).values()),
                errors.get("connect"), errors.get("read"), errors.get("write"), errors.get("timeout"), errors.get("status"),
                r.get("gateway_cpu_pct"), r.get("backend_cpu_pct"), r.get("wrk_cpu_pct"), r.get("machine_busy_pct"), r.get("other_cpu_pct"), r.get("peak_rss_mib"),
                r.get("rss_before_mib"), r.get("threads_before"), r.get("threads_during_max"),
                "; ".join(f"{c['check']}: {c['detail']}" for c in r["checks"] if not c["ok"]),
                "; ".join(r["notes"]),
            ])


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    run = read_keyvalues(os.path.join(out, "run.txt"))
    scenarios = run.get("scenarios", "").split()
    results = [analyse(out, run, name) for name in scenarios]
    rows = table_rows(results)
    table = render_table(rows)
    lines = [table, ""]
    for r in results:
        for note in r["notes"]:
            lines.append(f"{r['scenario']}: {note}")
        for c in r["checks"]:
            if not c["ok"]:
                lines.append(f"{r['scenario']}: CHECK FAILED: {c['check']}: {c['detail']}")
    noisy = [f"{r['scenario']} ({r['other_cpu_pct']:.0f}%)" for r in results if (r.get("other_cpu_pct") or 0) > 20]
    if noisy:
        lines.append("note: other processes used CPU during the run (% of one core, beyond gateway, backend and wrk): "
                     + ", ".join(noisy) + "; the machine was not quiet")
    text = "\n".join(lines).rstrip() + "\n"
    print(text, end="")
    with open(os.path.join(out, "report.txt"), "w", encoding="utf-8") as file:
        file.write(text)
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as file:
        json.dump({"run": run, "scenarios": results}, file, indent=2)
    write_csv(os.path.join(out, "results.csv"), results)
    write_html(os.path.join(out, "latency.html"), run, results, table)
    return 0 if results and all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
