"""Shared fixtures. Captures are required: a missing file fails the tests, never skips them."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
"""The team's shared folder (captures, specs): a sibling of the repository clone."""


@pytest.fixture(scope="session")
def shared() -> Path:
    assert SHARED.is_dir(), f"shared folder missing: {SHARED} (it must sit beside the repo)"
    return SHARED


@pytest.fixture(scope="session")
def captures(shared: Path) -> Path:
    path = shared / "captures"
    assert path.is_dir(), f"captures missing: {path}"
    return path
