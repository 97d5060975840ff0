"""Waiting on conditions (never on fixed sleeps)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def eventually(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Wait until ``condition()`` holds, checking on every loop turn; fail after ``timeout``."""
    try:
        async with asyncio.timeout(timeout):
            while not condition():  # noqa: ASYNC110 - polls an arbitrary condition
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise AssertionError(f"condition not met within {timeout}s: {what}") from None
