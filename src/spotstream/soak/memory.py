"""Resident memory of this process: the peak (``getrusage``) and samples per third of a run."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

_STATM = Path("/proc/self/statm")
_PAGE = resource.getpagesize()


def peak_rss_mb() -> float:
    """The process's peak resident set so far, in MiB (``ru_maxrss``: KiB on Linux, bytes on
    macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def rss_mb() -> float:
    """The resident set now, in MiB (the peak so far where ``/proc`` is missing)."""
    try:
        pages = int(_STATM.read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return peak_rss_mb()
    return pages * _PAGE / (1 << 20)


class ThirdsSampler:
    """The highest resident set seen in each third of a run of ``duration`` seconds."""

    def __init__(self, duration: float) -> None:
        self.duration = max(duration, 1e-9)
        self.peaks = [0.0, 0.0, 0.0]

    def sample(self, elapsed: float, value: float | None = None) -> None:
        third = min(2, max(0, int(3 * elapsed / self.duration)))
        self.peaks[third] = max(self.peaks[third], rss_mb() if value is None else value)
