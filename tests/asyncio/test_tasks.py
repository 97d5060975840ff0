"""The one spawn helper: a background task's failure is contained, logged and reported."""

from __future__ import annotations

import asyncio
import gc

import pytest

from spotstream.asyncio.tasks import TaskSpawner, call_user, contain
from spotstream.errors import ClientClosedError


class Boom(Exception):
    pass


async def fail() -> None:
    await asyncio.sleep(0)
    raise Boom("a bug")


async def test_a_failing_task_neither_cancels_the_group_nor_its_siblings() -> None:
    reported: list[tuple[str, Exception]] = []
    spawner = TaskSpawner(lambda name, exc: reported.append((name, exc)))
    sibling_done = asyncio.Event()

    async def sibling() -> None:
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        sibling_done.set()

    async with asyncio.TaskGroup() as group:
        spawner.open(group)
        failing = spawner.spawn(fail())
        spawner.spawn(sibling())
        await asyncio.wait([failing])
        await sibling_done.wait()
    assert failing.exception() is None
    assert spawner.failures == 1
    ((name, exc),) = reported
    assert "fail" in name
    assert isinstance(exc, Boom)


async def test_cancellation_is_not_contained() -> None:
    spawner = TaskSpawner()
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    async with asyncio.TaskGroup() as group:
        spawner.open(group)
        task = spawner.spawn(forever())
        await started.wait()
        task.cancel()
        await asyncio.wait([task])
    assert task.cancelled()
    assert spawner.failures == 0


async def test_a_task_cancelled_before_it_ran_leaves_no_unawaited_coroutine() -> None:
    spawner = TaskSpawner()
    async with asyncio.TaskGroup() as group:
        spawner.open(group)
        task = spawner.spawn(fail())
        task.cancel()  # before its first step
    assert task.cancelled()
    gc.collect()  # a "never awaited" warning would be an error here (warnings are errors)


async def test_spawning_after_close_raises_and_closes_the_coroutine() -> None:
    spawner = TaskSpawner()
    with pytest.raises(ClientClosedError):
        spawner.spawn(fail())
    async with asyncio.TaskGroup() as group:
        spawner.open(group)
    with pytest.raises(ClientClosedError):
        spawner.spawn(fail())  # the group is finished
    spawner.close()
    with pytest.raises(ClientClosedError):
        spawner.spawn(fail())
    gc.collect()


async def test_a_report_that_raises_is_contained_too() -> None:
    def bad_report(name: str, exc: Exception) -> None:
        raise RuntimeError("the reporter is broken")

    await contain(fail(), "fail", bad_report)  # does not raise


async def test_base_exceptions_are_not_contained() -> None:
    async def interrupt() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await contain(interrupt(), "interrupt")


async def test_call_user_isolates_sync_and_async_callbacks() -> None:
    failures: list[None] = []
    spawner = TaskSpawner()

    def sync_boom(_: int) -> None:
        raise Boom("sync")

    async def async_boom(_: int) -> None:
        raise Boom("async")

    seen: list[int] = []
    async with asyncio.TaskGroup() as group:
        spawner.open(group)
        for callback in (sync_boom, async_boom, seen.append):
            call_user(callback, 7, spawner.spawn, lambda: failures.append(None))
    assert len(failures) == 2
    assert seen == [7]
    assert spawner.failures == 0  # a callback's failure is the callback owner's to count


async def test_call_user_when_the_client_is_gone_closes_the_coroutine() -> None:
    failures: list[None] = []

    async def later(_: int) -> None:
        raise AssertionError("never runs")

    call_user(later, 1, TaskSpawner().spawn, lambda: failures.append(None))
    gc.collect()
    assert failures == []
