"""``spotstream sim`` in its own process, for the end-to-end benchmarks."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def simulator(seed: int, rate: str) -> Iterator[dict[str, Any]]:
    """Run a simulator process; yields the JSON line it prints (URLs, test key and secret)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "spotstream", "sim", "--rate", rate, "--seed", str(seed)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info: dict[str, Any] = json.loads(proc.stdout.readline())
        yield info
    finally:
        proc.terminate()
        proc.wait()
