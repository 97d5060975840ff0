"""All the book benchmarks in one run: spotstream and the peers on identical generated
traffic (in-process, every checksum verified where the peer can), memory per level, then
spotstream end to end from the simulator over loopback.

    bench/run.sh                 # sets up .bench-venv (spotstream + peers from PyPI), runs this

Then the CoinEx v2 depth pipeline (``bench/coinex.py``: spotstream and ccxt.pro on gzip
traffic at limit 50, with spotstream's Kraken pipeline as the run's calibration). Prints
Markdown tables (for docs/performance.md) and writes every result as JSON lines to
``bench/results.jsonl``.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import subprocess
import sys
from pathlib import Path

from ours import memory_per_level, run_spotstream, run_spotstream_v1
from peers import RUNNERS, PeerError, PeerResult
from traffic import generate

HERE = Path(__file__).resolve().parent
CONTENDERS = {"spotstream": run_spotstream, "spotstream-v1": run_spotstream_v1, **RUNNERS}


def run_one(name: str, depth: int, updates: int, repeat: int) -> PeerResult:
    """One contender at one depth, best of ``repeat`` runs (in this fresh process)."""
    traffic = generate(depth, updates)
    # python-kraken-sdk re-sorts a side per level: ~30 s a run at depth 1000.
    runs = 1 if name == "python-kraken-sdk" and depth >= 1000 else repeat
    attempts = []
    for i in range(runs):
        gc.collect()
        attempts.append(CONTENDERS[name](traffic, i == 0))
    best = min(attempts, key=lambda r: r.seconds)
    best.note = attempts[0].note
    return best


def in_process(depths: list[int], updates: int, repeat: int) -> list[PeerResult]:
    """Every (contender, depth) in its own interpreter, so that none runs on a heap, cache or
    allocator state another one left behind; all on the same seeded traffic."""
    results = []
    for depth in depths:
        for name in CONTENDERS:
            cmd = [sys.executable, __file__, "--one", name, "--depth", str(depth)]
            cmd += ["--updates", str(updates), "--repeat", str(repeat)]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode:
                print(f"{name} depth {depth} failed: {done.stderr[-500:]}", file=sys.stderr)
                continue
            line = json.loads(done.stdout.strip().splitlines()[-1])
            results.append(PeerResult(**{k: line[k] for k in _FIELDS}))
            print(done.stdout.strip(), file=sys.stderr, flush=True)
    return results


_FIELDS = ("peer", "depth", "messages", "seconds", "checksum", "note")


def end_to_end(depths: list[int], seconds: float) -> list[dict[str, object]]:
    cmd = [sys.executable, str(HERE / "e2e.py"), "--seconds", str(seconds)]
    for depth in depths:
        cmd += ["--depth", str(depth)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def coinex(updates: int, repeat: int) -> list[dict[str, object]]:
    """bench/coinex.py in its own interpreter: spotstream and ccxt.pro on CoinEx v2 gzip
    depth traffic at limit 50, and the Kraken calibration of the same process."""
    cmd = [sys.executable, str(HERE / "coinex.py"), "--limit", "50"]
    cmd += ["--updates", str(updates), "--repeat", str(repeat)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def table(results: list[PeerResult], depths: list[int]) -> str:
    rows = ["| library | checksum | " + " | ".join(f"depth {d}" for d in depths) + " |"]
    rows.append("| --- | --- | " + " | ".join("---:" for _ in depths) + " |")
    for name in CONTENDERS:
        mine = {r.depth: r for r in results if r.peer == name}
        if not mine:
            continue
        cells = [f"{mine[d].messages / mine[d].seconds:,.0f}" if d in mine else "-" for d in depths]
        checksum = next(iter(mine.values())).checksum
        rows.append(f"| {name} | {checksum} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--depth", type=int, action="append")
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--e2e-seconds", type=float, default=5.0)
    parser.add_argument("--one", choices=list(CONTENDERS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    depths = args.depth or [10, 100, 1000]
    if args.one:
        try:
            result = run_one(args.one, depths[0], args.updates, args.repeat)
        except PeerError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(json.dumps(result.as_dict()))
        return 0
    results = in_process(depths, args.updates, args.repeat)
    memory = memory_per_level()
    e2e = end_to_end(depths, args.e2e_seconds)
    coinex_lines = coinex(args.updates, args.repeat)
    with open(HERE / "results.jsonl", "w") as out:
        for result in results:
            out.write(json.dumps(result.as_dict()) + "\n")
        out.write(json.dumps({"bench": "memory", "bytes_per_level": round(memory, 1)}) + "\n")
        for line in e2e + coinex_lines:
            out.write(json.dumps(line) + "\n")
    print(
        f"machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, {platform.machine()}\n"
    )
    print(
        "In-process book messages per second (decode + apply + checksum), "
        f"{args.updates:,} updates, best of {args.repeat}:\n"
    )
    print(table(results, depths))
    print(f"\nspotstream memory per book level (depth 1000, both sides): {memory:.0f} bytes\n")
    print("End to end (simulator at max rate → loopback → client, every message verified):\n")
    print("| transport | " + " | ".join(f"depth {d}" for d in depths) + " |")
    print("| --- | " + " | ".join("---:" for _ in depths) + " |")
    by_depth = {line["depth"]: line for line in e2e}
    cells = [f"{by_depth[d]['msgs_per_sec']:,}" if d in by_depth else "-" for d in depths]
    print("| picows | " + " | ".join(cells) + " |")
    print(
        "\nCoinEx v2 depth pipeline, limit 50 (gunzip + decode + apply + whole-book checksum "
        f"per push), {args.updates:,} updates, best of {args.repeat}:\n"
    )
    print("| runner | checksum | pushes/s |\n| --- | --- | ---: |")
    for line in coinex_lines:
        print(f"| {line['peer']} | {line['checksum']} | {line['msgs_per_sec']:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
