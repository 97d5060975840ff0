"""``--metrics-port 0`` on ``watch`` (``demo``'s: tests/asyncio/test_metrics.py): the URL
goes to stderr and the port answers a scrape with spotstream's metrics while it runs."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1, no proxy


def _scrape_while_running(args: list[str]) -> str:
    proc = subprocess.Popen(
        [sys.executable, "-m", "spotstream", *args, "--metrics-port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("metrics: "):
                url = line.removeprefix("metrics: ").strip()
                break
        else:
            raise AssertionError(f"no metrics URL printed (exit {proc.wait(timeout=10)})")
        assert url.startswith("http://127.0.0.1:")
        with DIRECT.open(url, timeout=10) as answer:
            return str(answer.read().decode())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()


def test_watch_serves_metrics(sim_process: dict[str, str]) -> None:
    body = _scrape_while_running(
        ["watch", "ticker", "BTC/USD", "--json", "--url", sim_process["public"]]
    )
    assert "# TYPE spotstream_reconnects_total counter" in body
    assert "# TYPE spotstream_handler_latency_seconds histogram" in body
    assert "spotstream_frames_total{" in body
    assert 'connection="public"' in body
