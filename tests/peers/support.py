"""Helpers for running unmodified peer clients against the simulator."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import Any

from spotstream.simulator import Simulator

START_TIMEOUT = 10.0


class ThreadedSimulator:
    """A :class:`Simulator` serving from its own event loop in a daemon thread.

    ``with ThreadedSimulator(**simulator_options) as sim:`` starts it and exposes ``urls``;
    leaving the block stops it and joins the thread.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self.urls: dict[str, str] = {}
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="threaded-simulator", daemon=True)

    def __enter__(self) -> ThreadedSimulator:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise TimeoutError("the simulator thread did not start")
        if self._error is not None:
            raise self._error
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(START_TIMEOUT)
        assert not self._thread.is_alive(), "the simulator thread did not stop"
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            async with Simulator(**self._options) as sim:
                self.urls = dict(sim.urls)
                self._ready.set()
                await self._stop.wait()
        except BaseException as exc:  # reported to the test thread
            self._error = exc
        finally:
            self._ready.set()


def tasks_other_than(before: set[asyncio.Task[Any]]) -> set[asyncio.Task[Any]]:
    """Tasks alive now that were not alive in ``before`` (and are not the caller)."""
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t not in before and t is not current}
