#!/usr/bin/env python3
"""Reads what `scripts/bench` measured (target/bench) and writes target/bench/summary.json; with
--doc, also the generated section of docs/PERFORMANCE.md and docs/perf-scaling.svg.

Inputs, all written by scripts/bench during the same run:
  machine.json      the machine (cores, memory, disk, kernel, CPU)
  measured.tsv      name, unit, value: wall times and peak RSS of processes it timed
  started           a file whose mtime is the run's start: criterion estimates older than it are
                    not this run's and are refused
  target/criterion  criterion's estimates (the median of each benchmark)

Every figure it writes was measured in this run; a figure it needs and cannot find stops it with
an error naming the figure (nothing is written then)."""

import json
import math
import os
import sys

OUT = "target/bench"
CRITERION = "target/criterion"


class Missing(Exception):
    pass


def load_measured():
    measured = {}
    with open(os.path.join(OUT, "measured.tsv")) as f:
        for line in f:
            name, unit, value = line.rstrip("\n").split("\t")
            measured[name] = (unit, float(value))
    return measured


def criterion_median_ns(path, started):
    """The median (ns per iteration) of the benchmark at target/criterion/<path>, this run's."""
    file = os.path.join(CRITERION, path, "new", "estimates.json")
    if not os.path.exists(file):
        raise Missing(f"criterion benchmark {path}: no {file}")
    if os.path.getmtime(file) < started:
        raise Missing(f"criterion benchmark {path}: {file} is older than this run")
    with open(file) as f:
        median = json.load(f)["median"]["point_estimate"]
    if not median > 0:
        raise Missing(f"criterion benchmark {path}: median {median}")
    return median


def find_one(prefix, started):
    """The single criterion benchmark or group named <prefix>_<input size> measured in this run
    (the run chooses the input size, which the name carries)."""
    found = []
    for name in sorted(os.listdir(CRITERION)) if os.path.isdir(CRITERION) else []:
        if not name.startswith(prefix + "_"):
            continue
        for root, _dirs, files in os.walk(os.path.join(CRITERION, name)):
            if os.path.basename(root) == "new" and "estimates.json" in files:
                if os.path.getmtime(os.path.join(root, "estimates.json")) >= started:
                    found.append(name)
                    break
    if len(found) != 1:
        raise Missing(f"criterion benchmark {prefix}_*: {len(found)} measured in this run, expected one")
    return found[0]


def row(name, unit, value, target=None, comparison_name=None, comparison_value=None, ratio=None, command=None):
    if value is None or not (value > 0) or math.isinf(value):
        raise Missing(f"{name}: no positive value ({value})")
    r = {"name": name, "unit": unit, "value": value}
    if comparison_name is not None:
        r.update(comparison_name=comparison_name, comparison_value=comparison_value, ratio=ratio)
    if target is not None:
        r["target"] = target
    if command is not None:
        r["command"] = command
    return r


def build(mode, started):
    measured = load_measured()
    with open(os.path.join(OUT, "machine.json")) as f:
        machine = json.load(f)
    with open(os.path.join(OUT, "sizes.json")) as f:
        sizes = json.load(f)

    def m(name):
        if name not in measured:
            raise Missing(f"{name}: not measured")
        return measured[name][1]

    rows = []
    cb = "cargo bench -p tranche-store --bench ledger"
    # Batched ingest against the storage limit.
    tranche_1000 = 1000 / (criterion_median_ns("ingest/commands_per_transaction/1000", started) / 1e9)
    tranche_1 = 1 / (criterion_median_ns("ingest/commands_per_transaction/1", started) / 1e9)
    raw = {}
    levels = ["event", "event+command", "event+command+leaf", "event+command+leaf+postings", "all_rows"]
    for level in levels:
        ns = criterion_median_ns(f"ingest_raw_sqlite/{level}_commands_per_transaction/1000", started)
        raw[level] = 1000 / (ns / 1e9)
    raw_1 = 1 / (criterion_median_ns("ingest_raw_sqlite/event_commands_per_transaction/1", started) / 1e9)
    rows.append(row("durable batched ingest, 1,000 commands per transaction", "commands/s", tranche_1000,
                    target=">= 50,000 commands/s; >= 1/3 of raw SQLite (one row per command)",
                    comparison_name="raw SQLite, same file and pragmas, one events row per command, 1,000 per transaction",
                    comparison_value=raw["event"], ratio=tranche_1000 / raw["event"], command=f"{cb} -- ingest"))
    rows.append(row("one command per transaction", "commands/s", tranche_1,
                    comparison_name="raw SQLite, one events row per transaction", comparison_value=raw_1,
                    ratio=tranche_1 / raw_1, command=f"{cb} -- ingest"))
    previous = raw["event"]
    for level in levels[1:]:
        rows.append(row(f"raw SQLite ingest, rows per command: {level}", "commands/s", raw[level],
                        comparison_name="raw SQLite, one events row per command", comparison_value=raw["event"],
                        ratio=raw[level] / raw["event"], command=f"{cb} -- ingest_raw_sqlite"))
        # What the row added last costs per command, in microseconds.
        added_us = (1 / raw[level] - 1 / previous) * 1e6
        rows.append({"name": f"cost per command of the rows added in '{level}'", "unit": "us", "value": added_us})
        previous = raw[level]
    rows.append({"name": "cost per command of deciding, checking, hashing and encoding (Tranche minus raw all_rows)",
                 "unit": "us", "value": (1 / tranche_1000 - 1 / raw["all_rows"]) * 1e6})

    # Replay, report, in-memory figures from criterion.
    ev = sizes["criterion_events"]
    replay_ns = criterion_median_ns(f"store_of_events/replay_open/{ev}", started)
    rows.append(row(f"replay of {ev:,} events into state (Ledger::open)", "events/s", ev / (replay_ns / 1e9),
                    target=">= 500,000 events/s", command=f"{cb} -- store_of_events"))
    rows.append(row(f"report summary over {ev:,} events, state loaded", "ms",
                    criterion_median_ns(f"store_of_events/report_summary/{ev}", started) / 1e6,
                    target="< 50 ms", command=f"{cb} -- store_of_events"))
    for name, path, target in [
        ("counting rules (summarise)", "summarise", None),
        ("money over time (series, USD)", "series_usd", None),
        ("fair shares", "fair_share", "< 50 ms"),
        ("targets report", "targets_report", "< 50 ms"),
    ]:
        p = find_one(path, started)
        rows.append(row(f"{name}, {p.split('/')[-1].replace('_', ' ')}, in memory", "ms",
                        criterion_median_ns(p, started) / 1e6, target=target,
                        command="cargo bench -p tranche-core --bench summary"))
    dash = find_one("dashboard", started)
    rows.append(row(f"dashboard overview page, {dash.split('/')[-1].replace('_', ' ')}, state loaded", "ms",
                    criterion_median_ns(dash + "/overview_page", started) / 1e6, target="< 50 ms",
                    command="cargo bench -p tranche-api --bench dashboard"))
    rows.append(row("funding engine, 500 packages x 2,000 pledges", "ms",
                    criterion_median_ns("proposal/engine_500x2000", started) / 1e6, target="< 1 s",
                    comparison_name="one LP of the sequence (good_lp + microlp)",
                    comparison_value=criterion_median_ns("proposal/lp_one_of_the_sequence_500x2000", started) / 1e6,
                    ratio=None, command="cargo bench -p tranche-core --bench proposal"))
    rows[-1]["ratio"] = rows[-1]["comparison_value"] * 501 / rows[-1]["value"]
    rows[-1]["ratio_note"] = "501 LPs (the rule's sequence) against one engine run, lower bound"
    tree = find_one("tree", started)
    for bench, label in [("inclusion_proof", "inclusion proof"), ("consistency_proof", "consistency proof"),
                         ("append_one_leaf", "append one leaf")]:
        rows.append(row(f"{label}, {tree.split('/')[-1].replace('_', ' ')}", "us",
                        criterion_median_ns(f"{tree}/{bench}", started) / 1e3,
                        target="< 1 ms" if "proof" in bench else "O(log n)", command="cargo bench -p tranche-log"))

    # Hash limit and verify.
    leaf_dir = [d for d in os.listdir(os.path.join(CRITERION, "sha256")) if d.startswith("one_leaf_of_mean_bytes")]
    leaf_path = None
    for d in leaf_dir:
        for sub in os.listdir(os.path.join(CRITERION, "sha256", d)):
            est = os.path.join(CRITERION, "sha256", d, sub, "new", "estimates.json")
            if os.path.exists(est) and os.path.getmtime(est) >= started:
                leaf_path = f"sha256/{d}/{sub}"
    if leaf_path is None:
        raise Missing("criterion benchmark sha256/one_leaf_of_mean_bytes: not measured in this run")
    leaf_bytes = int(leaf_path.split("/")[-1])
    leaf_ns = criterion_median_ns(leaf_path, started)
    node_ns = criterion_median_ns("sha256/one_node_65_bytes", started)
    mib_ns = criterion_median_ns("sha256/one_mib", started)
    rows.append(row("SHA-256 throughput (sha2 crate, 1 MiB)", "MB/s", (1 << 20) / (mib_ns / 1e9) / 1e6, command=f"{cb} -- sha256"))
    v = sizes["verify_events"]
    limit_s = (v * leaf_ns + (v - 1) * node_ns) / 1e9
    verify_s = m(f"verify/{v}/wall")
    rows.append(row(f"tranche verify of {v:,} events", "s", verify_s, target="< 5 s at 1,000,000",
                    comparison_name=f"SHA-256 alone: every leaf ({leaf_bytes} bytes on average) and every node, {v:,} events",
                    comparison_value=limit_s, ratio=verify_s / limit_s,
                    command="/usr/bin/time target/release/tranche --database S verify"))

    # Reports against ledger and hledger.
    b = sizes["books_events"]
    ours = m(f"report_balances_cold/{b}/wall")
    for tool in ["ledger", "hledger"]:
        theirs = m(f"{tool}_balance/{b}/wall")
        rows.append(row(f"tranche report balances, cold process, {b:,} events", "s", ours,
                        target="100 x faster than ledger cold" if tool == "ledger" else None,
                        comparison_name=f"{tool} -f JOURNAL balance (the export of the same store)",
                        comparison_value=theirs, ratio=theirs / ours,
                        command=f"tranche report balances --json vs {tool} -f J balance"))
    served = m(f"served_summary/{b}/wall")
    rows.append(row(f"GET /api/v1/summary from the served state, {b:,} events (no HTTP route serves the balances)", "s", served,
                    comparison_name="ledger -f JOURNAL balance", comparison_value=m(f"ledger_balance/{b}/wall"),
                    ratio=m(f"ledger_balance/{b}/wall") / served, command="curl -w %{time_total} (median of 5)"))
    for tool in ["hledger", "ledger"]:
        rows.append(row(f"tranche export {tool}, {b:,} events", "s", m(f"export_{tool}/{b}/wall"), target="< 10 s at 1,000,000"))

    # HTTP load.
    for key, label in [("http_writes", "single-command writes over HTTP"), ("http_reads", "GET /api/v1/summary"),
                       ("http_reads_under_writes", "GET /api/v1/summary while other clients write")]:
        rows.append(row(f"{label} ({sizes['http']})", "requests/s", m(f"{key}/rps"),
                        target=">= 2,000/s" if key == "http_writes" else None, command="bash bench/http-load.sh"))

    # Scaling.
    scaling = []
    for n in sizes["scaling"]:
        s = {"events": n}
        for k in ["ingest", "cold_summary", "report_balances_cold", "verify"]:
            s[k + "_s"] = m(f"{k}/{n}/wall")
            s[k + "_rss_mb"] = m(f"{k}/{n}/rss_kb") / 1024
        scaling.append(s)
        rows.append(row(f"cold report summary --json, {n:,} events", "s", s["cold_summary_s"],
                        target="< 0.15 s and < 150 MB at 1,000,000" if n == 1_000_000 else None))
        rows.append(row(f"cold report summary --json peak RSS, {n:,} events", "MB", s["cold_summary_rss_mb"]))
        rows.append(row(f"batched ingest (synthetic store, 10,000 per transaction), {n:,} events", "events/s", n / s["ingest_s"]))
    not_run = sizes.get("not_run", [])
    return {"mode": mode, "machine": machine, "rows": rows, "scaling": scaling, "not_run": not_run, "sizes": sizes}


def fmt(value, unit):
    if unit in ("commands/s", "events/s", "requests/s", "MB/s"):
        return f"{value:,.0f} {unit}"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "us":
        return f"{value:.2f} µs"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value} {unit}"


def markdown(summary, date):
    mc = summary["machine"]
    lines = [
        "<!-- bench:begin -->",
        f"## One run of `scripts/bench` ({date})",
        "",
        "Generated by `scripts/bench` (full run); every figure below was measured in that one run, on",
        f"{mc['cpu']}, {mc['cores']} cores, {mc['memory']} memory, disk: {mc['disk']}, kernel {mc['kernel']}.",
        f"Load average at the start: {' '.join(mc['load_average_at_start'])}. Run-to-run spread on this machine is",
        "about ±10%; each ratio compares two figures taken minutes apart in the same run.",
        "Machine-readable: `target/bench/summary.json`. Which targets are met, and by how much and why",
        "the others are missed: \"Targets of the scale work\" below.",
        "",
        "| what | figure | target | compared with | its figure | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for r in summary["rows"]:
        comp = r.get("comparison_name", "")
        cv = fmt(r["comparison_value"], r["unit"]) if "comparison_value" in r and r["comparison_value"] is not None else ""
        if r["unit"] == "s" and comp.startswith(("ledger", "hledger")):
            cv = fmt(r["comparison_value"], "s")
        if "funding engine" in r["name"]:
            cv = fmt(r["comparison_value"], "ms")
        ratio = f"{r['ratio']:.3g}" if r.get("ratio") is not None else ""
        lines.append(f"| {r['name']} | **{fmt(r['value'], r['unit'])}** | {r.get('target', '')} | {comp} | {cv} | {ratio} |")
    lines += [
        "",
        "How to read the ratios: ingest is Tranche's rate as a fraction of raw SQLite's on the same file;",
        "`verify` is Tranche's time as a multiple of SHA-256 alone over the same bytes; against ledger and",
        "hledger it is their time over ours (times faster); the funding engine's is 501 LPs over one run.",
        "",
        "### Scaling",
        "",
        "![time and peak RSS against events, log-log](perf-scaling.svg)",
        "",
        "| events | ingest (synthetic store) | cold `report summary --json` | cold `report balances` | `verify` |",
        "|---|---|---|---|---|",
    ]
    for s in summary["scaling"]:
        cells = [f"{s[k + '_s']:.2f} s, {s[k + '_rss_mb']:.0f} MB" for k in ["ingest", "cold_summary", "report_balances_cold", "verify"]]
        lines.append(f"| {s['events']:,} | " + " | ".join(cells) + " |")
    if summary["not_run"]:
        lines += ["", "Not run in this run: " + "; ".join(summary["not_run"]) + "."]
    lines += ["<!-- bench:end -->"]
    return "\n".join(lines) + "\n"


def svg(scaling):
    """Time (s) and peak RSS (MB) against events, log-log, one line per measure."""
    width, height, left, right, top, bottom = 760, 360, 70, 20, 30, 50
    panel = (width - left - right - 60) / 2
    measures = [("ingest", "#1b6ca8"), ("cold_summary", "#c0392b"), ("report_balances_cold", "#7d3c98"), ("verify", "#1e8449")]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    xs = [s["events"] for s in scaling]
    for p, (suffix, label) in enumerate([("_s", "wall time (s)"), ("_rss_mb", "peak RSS (MB)")]):
        x0 = left + p * (panel + 60)
        vals = [s[m + suffix] for s in scaling for m, _ in measures]
        ylo, yhi = math.floor(math.log10(min(vals))), math.ceil(math.log10(max(vals)))
        xlo, xhi = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
        if xhi == xlo:
            xhi += 1
        if yhi == ylo:
            yhi += 1
        ph = height - top - bottom
        fx = lambda v: x0 + (math.log10(v) - xlo) / (xhi - xlo) * panel
        fy = lambda v: top + ph - (math.log10(v) - ylo) / (yhi - ylo) * ph
        out.append(f'<text x="{x0 + panel / 2}" y="{top - 10}" text-anchor="middle" font-weight="bold">{label}</text>')
        for e in range(ylo, yhi + 1):
            y = fy(10 ** e)
            out.append(f'<line x1="{x0}" x2="{x0 + panel}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{x0 - 5}" y="{y + 4:.1f}" text-anchor="end">1e{e}</text>')
        for e in range(xlo, xhi + 1):
            x = fx(10 ** e)
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}" stroke="#ddd"/>')
            out.append(f'<text x="{x:.1f}" y="{top + ph + 15}" text-anchor="middle">1e{e}</text>')
        out.append(f'<text x="{x0 + panel / 2}" y="{top + ph + 32}" text-anchor="middle">events</text>')
        for m, colour in measures:
            pts = " ".join(f"{fx(s['events']):.1f},{fy(s[m + suffix]):.1f}" for s in scaling)
            out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
            for s in scaling:
                out.append(f'<circle cx="{fx(s["events"]):.1f}" cy="{fy(s[m + suffix]):.1f}" r="3" fill="{colour}"/>')
    for i, (m, colour) in enumerate(measures):
        x = left + i * 170
        out.append(f'<rect x="{x}" y="{height - 14}" width="12" height="4" fill="{colour}"/>')
        out.append(f'<text x="{x + 16}" y="{height - 9}">{m.replace("_", " ")}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_doc(summary, date):
    path = "docs/PERFORMANCE.md"
    with open(path) as f:
        text = f.read()
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    section = markdown(summary, date)
    if begin in text and end in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end) + 1:]
    else:
        raise Missing(f"{path}: no {begin} ... {end} section to write")
    with open(path + ".tmp", "w") as f:
        f.write(text)
    with open("docs/perf-scaling.svg.tmp", "w") as f:
        f.write(svg(summary["scaling"]))
    os.replace(path + ".tmp", path)
    os.replace("docs/perf-scaling.svg.tmp", "docs/perf-scaling.svg")


def main():
    mode = sys.argv[1]
    started = os.path.getmtime(os.path.join(OUT, "started"))
    try:
        summary = build(mode, started)
    except Missing as error:
        print(f"scripts/bench: a measurement is missing: {error}", file=sys.stderr)
        sys.exit(1)
    with open(os.path.join(OUT, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    with open(os.path.join(OUT, "PERFORMANCE-section.md"), "w") as f:
        f.write(markdown(summary, summary["machine"]["date"]))
    with open(os.path.join(OUT, "perf-scaling.svg"), "w") as f:
        f.write(svg(summary["scaling"]))
    if "--doc" in sys.argv:
        write_doc(summary, summary["machine"]["date"])
    for r in summary["rows"]:
        ratio = f"  (ratio {r['ratio']:.3g} against {r['comparison_name']})" if r.get("ratio") is not None else ""
        print(f"{r['name']}: {fmt(r['value'], r['unit'])}{ratio}")


if __name__ == "__main__":
    main()
