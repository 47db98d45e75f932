#!/usr/bin/env python3
"""report.py RESULTS_DIR: Weft's figures and the ratio Weft/peer per figure,
from the weft-load JSON reports compare.sh wrote (PEER-WN.json), as markdown.

Ratios are weft / peer. "better" says which way is good for the figure: for
"higher" figures a ratio above 1 means Weft wins, for "lower" ones below 1.
"""
import json
import math
import os
import sys

PEERS = ["weft", "mosquitto", "ejabberd"]
LABEL = {"weft": "weft", "mosquitto": "mosquitto", "ejabberd": "ejabberd"}


def load(d, peer, w):
    p = os.path.join(d, f"{peer}-{w}.json")
    try:
        with open(p) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def steps(j):
    return [s for s in (j or {}).get("steps", []) if s.get("label") != "seed"]


def num(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def lat(step, hist, key):
    """A latency figure of a step; None (shown as a dash) when the step
    measured nothing, e.g. a saturated server that delivered no message."""
    h = step.get(hist) or {}
    return num(h.get(key)) if h.get("count") else None


def w2_target_step(j):
    """The W2 step whose deliveries/s offered is nearest 40,000."""
    st = steps(j)
    if not st:
        return None
    members = (j.get("params") or {}).get("connections") or 1
    return min(st, key=lambda s: abs(s["offered_per_s"] * members - 40000))


def figures(d, peer):
    f = {}
    j = load(d, peer, "W1")
    st = steps(j)
    if st:
        s = st[-1]
        f["W1 delivered msg/s @ top rate"] = num(s["delivered_per_s"])
        f["W1 latency p50 ms"] = lat(s, "latency", "p50_ms")
        f["W1 latency p99 ms"] = lat(s, "latency", "p99_ms")
        f["W1 latency max ms"] = lat(s, "latency", "max_ms")
        f["W1 CPU s / 100k deliveries"] = num(s.get("server_cpu_s_per_100k_deliveries"))
    j = load(d, peer, "W2")
    st = steps(j)
    if st:
        f["W2 peak delivered msg/s"] = max(s["delivered_per_s"] for s in st)
        ok = [s for s in st if not s["saturated"]]
        f["W2 delivered msg/s, last unsaturated step"] = ok[-1]["delivered_per_s"] if ok else 0
        s = w2_target_step(j)
        members = j["params"]["connections"]
        tag = "@~40k/s"
        f["W2 step used for the @~40k/s rows: deliveries/s offered"] = s["offered_per_s"] * members
        f[f"W2 latency p50 ms {tag}"] = lat(s, "latency", "p50_ms")
        f[f"W2 latency p99 ms {tag}"] = lat(s, "latency", "p99_ms")
        f[f"W2 latency max ms {tag}"] = lat(s, "latency", "max_ms")
        f[f"W2 CPU s / 100k deliveries {tag}"] = num(s.get("server_cpu_s_per_100k_deliveries"))
    j = load(d, peer, "W3")
    st = steps(j)
    if st:
        s = st[-1]
        f["W3 fan-out latency p50 ms"] = lat(s, "latency", "p50_ms")
        f["W3 fan-out latency p99 ms"] = lat(s, "latency", "p99_ms")
        f["W3 fan-out latency max ms"] = lat(s, "latency", "max_ms")
        fc = s.get("fanout_complete")
        if fc:
            f["W3 fan-out complete p99 ms"] = num(fc["p99_ms"])
        f["W3 CPU s / 100k deliveries"] = num(s.get("server_cpu_s_per_100k_deliveries"))
    j = load(d, peer, "W4")
    if j:
        f["W4 idle connections held"] = j["connect"]["ok"]
        f["W4 connect rate conns/s"] = num(j["connect"].get("conns_per_s"))
        f["W4 connect ready p99 ms"] = num(j["connect"]["ready"]["p99_ms"])
        f["W4 server RSS KiB / connection"] = num(j["server"].get("rss_kb_per_conn"))
    j = load(d, peer, "W5")
    st = steps(j)
    if st:
        s = st[-1]
        h = s.get("history_latency") or {}
        f["W5 history p50 ms"] = num(h.get("p50_ms"))
        f["W5 history p99 ms"] = num(h.get("p99_ms"))
        # weft only: its /metrics histogram (dispatch -> reply queued); the
        # peers have no such figure and show "—"
        if peer == "weft":
            f["W5 history p50 ms server-side"] = num(s.get("history_server_p50_ms"))
            f["W5 history p99 ms server-side"] = num(s.get("history_server_p99_ms"))
        f["W5 history pages/s"] = num(s.get("history_per_s"))
        if j.get("seed"):
            f["W5 seed msg/s (pipelined sends)"] = num(j["seed"]["msgs_per_s"])
    j = load(d, peer, "W6")
    st = steps(j)
    if st:
        s = st[-1]
        f["W6 committed msg/s"] = num(s["acked_per_s"])
        f["W6 ack latency p99 ms"] = lat(s, "ack_latency", "p99_ms")
    return f


HIGHER = ("msg/s", "conns/s", "pages/s", "connections held")


def better(name):
    if "step used" in name:
        return "—"
    return "higher" if any(k in name for k in HIGHER) else "lower"


def fmt(v):
    if v is None:
        return "—"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"


def main():
    d = sys.argv[1]
    figs = {p: figures(d, p) for p in PEERS}
    names = []
    for p in PEERS:
        for k in figs[p]:
            if k not in names:
                names.append(k)
    # W2's latency tag can differ per peer when a ramp stopped early; key on prefix
    peers = [p for p in PEERS if figs[p]]
    hdr = ["figure", "better"] + [LABEL[p] for p in peers]
    for p in peers[1:]:
        hdr.append(f"weft/{LABEL[p]}")
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    for n in names:
        row = [n, better(n)]
        vals = [figs[p].get(n) for p in peers]
        row += [fmt(v) for v in vals]
        w = figs.get("weft", {}).get(n)
        for p in peers[1:]:
            v = figs[p].get(n)
            if w is None or v is None:
                row.append("n/a" if v is None else "—")
            elif v == 0:
                row.append("∞" if w else "—")
            else:
                r = w / v
                row.append(f"{r:.2f}" if r >= 0.1 else f"{r:.2g}")
        print("| " + " | ".join(row) + " |")
    # failures
    for fn in sorted(os.listdir(d)):
        if fn.endswith(".json"):
            try:
                with open(os.path.join(d, fn)) as f:
                    j = json.load(f)
            except ValueError:
                continue
            if j.get("status") != "ok" or j.get("last_error"):
                print(f"\n{fn}: status {j.get('status')} {j.get('last_error', '')}")


if __name__ == "__main__":
    main()
