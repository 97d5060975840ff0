"""Helpers for the python-kraken-sdk facade tests."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest


class Printed:
    """Everything the code under test printed so far (the SDK's examples print what they
    receive, so the tests read their output)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys
        self._parts: list[str] = []

    @property
    def text(self) -> str:
        self._parts.append(self._capsys.readouterr().out)
        return "".join(self._parts)


def numbers_in(value: Any) -> list[Any]:
    """Every number (int, float, Decimal; not bool) anywhere in a decoded message."""
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers_in(v)]
    if isinstance(value, list):
        return [n for v in value for n in numbers_in(v)]
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return [value]
    return []


def tasks_other_than(before: set[asyncio.Task[Any]]) -> set[asyncio.Task[Any]]:
    """Tasks alive now that were not alive in ``before`` (and are not the caller)."""
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t not in before and t is not current}
