#!/usr/bin/env python3
"""bench.report: report.py on a results directory shaped like compare.sh's
(PEER-WN.json as weft-load writes them), including a peer whose top W1 step
saturated and delivered nothing: its latencies are no measurement and must
be shown as a dash, not as 0 ms with an infinite ratio."""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def hist(count, p50, p99, mx):
    return {"count": count, "p50_ms": p50, "p99_ms": p99, "max_ms": mx, "mean_ms": p50}


def w1(delivered_per_s, latency):
    step = {"label": "1000 msg/s", "offered_per_s": 1000, "seconds": 10, "connections": 1000,
            "delivered_per_s": delivered_per_s, "latency": latency, "saturated": delivered_per_s == 0,
            "server_cpu_s_per_100k_deliveries": 8.0 if delivered_per_s else None}
    return {"status": "ok", "params": {"connections": 1000}, "steps": [step]}


def main():
    with tempfile.TemporaryDirectory() as d:
        for peer, report in (("weft", w1(10000, hist(100000, 1.0, 2.5, 7.0))),
                             ("mosquitto", w1(10000, hist(100000, 0.5, 1.0, 9.0))),
                             ("ejabberd", w1(0, hist(0, 0, 0, 0)))):
            with open(os.path.join(d, f"{peer}-W1.json"), "w") as f:
                json.dump(report, f)
        out = subprocess.run([sys.executable, os.path.join(HERE, "report.py"), d],
                             check=True, capture_output=True, text=True).stdout
    rows = {line.split(" | ")[0].lstrip("| "): line for line in out.splitlines() if line.startswith("| W1")}
    expect = {
        "W1 delivered msg/s @ top rate": "| W1 delivered msg/s @ top rate | higher | 10,000 | 10,000 | 0 | 1.00 | ∞ |",
        "W1 latency p50 ms": "| W1 latency p50 ms | lower | 1 | 0.5 | — | 2.00 | n/a |",
        "W1 latency p99 ms": "| W1 latency p99 ms | lower | 2.5 | 1 | — | 2.50 | n/a |",
    }
    bad = [f"want {want}\n got {rows.get(k)}" for k, want in expect.items() if rows.get(k) != want]
    if bad:
        print(out)
        print("\n".join(bad))
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
