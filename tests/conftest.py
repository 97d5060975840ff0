"""Shared fixtures. Test data are required: a missing file fails the tests, never skips them."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
"""Real exchange traffic recorded by other projects, copied byte for byte (see its README)."""


@pytest.fixture(scope="session")
def captures() -> Path:
    assert DATA.is_dir(), f"test data missing: {DATA}"
    return DATA
