"""``Call``: an awaitable that is also an async context manager closing what it returns."""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any, Generic, Protocol, TypeVar


class Closable(Protocol):
    async def close(self) -> None: ...


R = TypeVar("R", bound=Closable)


class Call(Generic[R]):
    """``await call`` gives the value; ``async with call as value`` also closes it after."""

    def __init__(self, coro: Coroutine[Any, Any, R]) -> None:
        self._coro = coro
        self._value: R | None = None

    def __await__(self) -> Generator[Any, None, R]:
        return self._coro.__await__()

    async def __aenter__(self) -> R:
        self._value = await self._coro
        return self._value

    async def __aexit__(self, *exc: object) -> None:
        if self._value is not None:
            await self._value.close()
