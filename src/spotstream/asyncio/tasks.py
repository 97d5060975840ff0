"""Containment: background tasks and user callbacks that cannot take their owner down.

Every background task of a client is started by :meth:`TaskSpawner.spawn`, inside the
client's ``TaskGroup`` (no orphan tasks), and wrapped so that an exception is logged,
counted and reported instead of cancelling the group, and with it every connection, feed
and book. ``CancelledError`` always propagates, and so do ``KeyboardInterrupt`` and
``SystemExit`` (they are not failures of one task).

User callbacks (status, lifecycle, connection lost/restored) go through :func:`call_user`:
a callback that raises, or an async callback whose coroutine raises, is logged and counted
by its owner; the frame or event being handled goes on to the next callback.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from spotstream.errors import ClientClosedError

log = logging.getLogger("spotstream.tasks")

A = TypeVar("A")
Coro = Coroutine[Any, Any, None]
Spawn = Callable[[Coro], object]
Report = Callable[[str, Exception], None]
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


async def contain(work: Awaitable[object], what: str, report: Report | None = None) -> None:
    """Await ``work``; an ``Exception`` from it is logged and passed to ``report`` (itself
    guarded), never raised. ``CancelledError`` and other ``BaseException`` propagate."""
    try:
        await work
    except Exception as exc:
        log.error("%s failed; contained, the client goes on", what, exc_info=exc)
        if report is not None:
            try:
                report(what, exc)
            except Exception:
                log.exception("reporting the failure of %s failed", what)


def contained_task(
    group: asyncio.TaskGroup, coro: Coro, what: str, report: Report | None = None
) -> asyncio.Task[None]:
    """``group.create_task`` of ``coro`` wrapped in :func:`contain`. Raises ``RuntimeError``
    like ``create_task`` when the group is finishing (``coro`` is then closed)."""
    wrapper = contain(coro, what, report)
    try:
        task = group.create_task(wrapper, name=what)
    except RuntimeError:
        wrapper.close()
        coro.close()
        raise
    # A task cancelled before its first step never starts ``coro``: close it then, so that
    # it is not reported as "never awaited" (closing a finished coroutine does nothing).
    task.add_done_callback(lambda _: coro.close())
    return task


class TaskSpawner:
    """Spawns a client's background tasks into its ``TaskGroup``, each contained.

    ``failures`` counts the tasks that raised; ``report(name, exc)`` is told of each (the
    client turns it into a ``TASK_FAILED`` lifecycle event).
    """

    def __init__(self, report: Report | None = None) -> None:
        self.failures = 0
        self._report = report
        self._group: asyncio.TaskGroup | None = None

    def open(self, group: asyncio.TaskGroup) -> None:
        self._group = group

    def close(self) -> None:
        """Refuse new tasks from now on (the group is about to finish)."""
        self._group = None

    def spawn(self, coro: Coro) -> asyncio.Task[None]:
        """Run ``coro`` in the group, contained; raises :class:`ClientClosedError` (and
        closes ``coro``) when the group is not open."""
        group = self._group
        if group is None:
            coro.close()
            raise ClientClosedError("the client is not open (use `async with`)")
        name = getattr(coro, "__qualname__", None) or type(coro).__name__
        try:
            return contained_task(group, coro, name, self._failed)
        except RuntimeError:  # the group is finishing or aborting
            raise ClientClosedError("the client is closing") from None

    def _failed(self, name: str, exc: Exception) -> None:
        self.failures += 1
        if self._report is not None:
            self._report(name, exc)


def call_user(
    callback: Callable[[A], object],
    arg: A,
    spawn: Spawn,
    failed: Callable[[], None],
    what: str = "callback",
) -> None:
    """Call a user's ``callback(arg)``, isolated: an exception is logged and ``failed()``
    called, never raised. A callback that returns an awaitable runs as its own contained
    task (through ``spawn``), with the same isolation."""
    try:
        result = callback(arg)
    except Exception:
        failed()
        log.exception("%s %r failed; ignored", what, callback)
        return
    if not inspect.isawaitable(result):
        return

    async def run(awaitable: Awaitable[object]) -> None:
        try:
            await awaitable
        except Exception:
            failed()
            log.exception("%s %r failed; ignored", what, callback)

    try:
        spawn(run(result))
    except ClientClosedError:
        if inspect.iscoroutine(result):
            result.close()  # the client is gone: nothing will run it
