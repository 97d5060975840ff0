"""Shared fixtures. Test data are required: a missing file fails the tests, never skips them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis profiles, chosen by HYPOTHESIS_PROFILE: "ci" (the default, what CI runs) gives
# every property and fuzz test that does not set its own count 1,000 examples; "dev" is a
# quick pass while editing; "explore" draws fresh examples every run (what finds new bugs:
# run it now and then and keep what it finds as explicit regressions). "ci" is derandomized,
# the same 1,000 examples every run, so that a test never fails by the luck of the draw.
# No deadline: this machine's timing is no property of the code.
settings.register_profile("ci", max_examples=1000, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("explore", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DATA = Path(__file__).resolve().parent / "data"
"""Real exchange traffic recorded by other projects, copied byte for byte (see its README)."""


@pytest.fixture(scope="session")
def captures() -> Path:
    assert DATA.is_dir(), f"test data missing: {DATA}"
    return DATA
