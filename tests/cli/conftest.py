"""Fixtures of the CLI tests: a ``spotstream sim`` process and its URLs."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def sim_line() -> Iterator[dict[str, Any]]:
    """The first stdout line of a ``spotstream sim`` process (served until the test ends)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "spotstream", "sim", "--port", "0", "--seed", "5", "--rate", "100"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        yield json.loads(line)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.fixture
def sim_process(sim_line: dict[str, Any]) -> dict[str, str]:
    urls: dict[str, str] = sim_line["urls"]
    return urls
