"""A raw CoinEx v1 client for the simulator tests (over ``websockets``), a reference depth book
that checks every push's checksum, and the v1 signature computed independently.

Every server frame must be a text frame of plain JSON (the client fails on anything else).
The book keeps levels keyed by ``Decimal`` price holding the strings received; its checksum
is a ``zlib.crc32`` of the whole book (bids descending, then asks ascending), also compared
with the library's :func:`~spotstream.protocol.coinex.checksum.coinex_checksum`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import zlib
from collections.abc import Callable
from decimal import Decimal
from itertools import count
from typing import Any, NamedTuple

import websockets

from spotstream.book.l2 import L2Book
from spotstream.protocol.coinex.checksum import COINEX_LEVEL_TEXT, coinex_checksum

TIMEOUT = 10.0


class _Level(NamedTuple):
    price: bytes
    qty: bytes


class V1Client:
    """A bare CoinEx v1 socket client that waits on conditions, never on sleeps."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.ids = count(1)
        self.received: list[Any] = []

    async def close(self) -> None:
        self.ws.transport.abort()
        await self.ws.wait_closed()

    async def recv(self, timeout: float = TIMEOUT) -> Any:
        async with asyncio.timeout(timeout):
            frame = await self.ws.recv()
        assert isinstance(frame, str), f"not a text frame: {frame!r}"
        message = json.loads(frame)
        self.received.append(message)
        return message

    async def until(self, condition: Callable[[Any], bool], timeout: float = TIMEOUT) -> Any:
        async with asyncio.timeout(timeout):
            while True:
                message = await self.recv()
                if condition(message):
                    return message

    async def send(self, method: str, params: Any) -> int:
        request_id = next(self.ids)
        await self.ws.send(json.dumps({"method": method, "params": params, "id": request_id}))
        return request_id

    async def request(self, method: str, params: Any = None) -> Any:
        """Send a request; its answer (pushes before it are kept in :attr:`received`)."""
        request_id = await self.send(method, [] if params is None else params)
        return await self.until(lambda m: m.get("id") == request_id and "method" not in m)

    async def result(self, method: str, params: Any = None) -> Any:
        """The ``result`` of a request that must succeed."""
        answer = await self.request(method, params)
        assert answer["error"] is None, answer
        assert set(answer) == {"error", "result", "id"}
        return answer["result"]


async def connect(url: str) -> V1Client:
    ws = await websockets.connect(url, max_size=None, compression=None)
    return V1Client(ws)


def is_push(method: str, market: str | None = None) -> Callable[[Any], bool]:
    """A push of ``method`` (of ``market``: depth names it last, deals first)."""

    def matches(m: Any) -> bool:
        if m.get("method") != method:
            return False
        assert m["id"] is None
        if market is None:
            return True
        params = m["params"]
        return (params[2] if method == "depth.update" else params[0]) == market

    return matches


def v1_sign(access_id: str, secret_key: str, tonce: int) -> str:
    """The spec's formula (B3), written out here."""
    text = f"access_id={access_id}&tonce={tonce}&secret_key={secret_key}"
    return hashlib.md5(text.encode()).hexdigest().upper()


class V1Book:
    """A client's v1 depth book: applies ``depth.update`` pushes, checks each checksum."""

    def __init__(self, price_precision: int = 2, qty_precision: int = 8) -> None:
        self.bids: dict[Decimal, tuple[str, str]] = {}
        self.asks: dict[Decimal, tuple[str, str]] = {}
        self.precision = (price_precision, qty_precision)
        self.library = L2Book(50, COINEX_LEVEL_TEXT)
        self.pushes = 0
        self.deletions = 0
        self.checksums: list[int] = []

    def apply(self, push: dict[str, Any]) -> None:
        clean, depth, _market = push["params"]
        assert set(depth) == {"asks", "bids", "last", "time", "checksum"}
        if clean:
            self.bids.clear()
            self.asks.clear()
            self.library.clear()
        for side, levels in ((self.bids, depth["bids"]), (self.asks, depth["asks"])):
            for price, amount in levels:
                if Decimal(amount) == 0:
                    self.deletions += side.pop(Decimal(price), None) is not None
                else:
                    side[Decimal(price)] = (price, amount)
        for library_side, levels in (
            (self.library.bids, depth["bids"]),
            (self.library.asks, depth["asks"]),
        ):
            library_side.apply([_Level(p.encode(), q.encode()) for p, q in levels], *self.precision)
        checksum = depth["checksum"]
        assert isinstance(checksum, int)
        assert 0 <= checksum < 1 << 32  # unsigned
        assert self.checksum() == checksum, (self.checksum(), checksum)
        assert coinex_checksum(self.library) == checksum
        self.checksums.append(checksum)
        self.pushes += 1

    def checksum(self) -> int:
        bids = [self.bids[p] for p in sorted(self.bids, reverse=True)]
        asks = [self.asks[p] for p in sorted(self.asks)]
        text = ":".join(f"{price}:{amount}" for price, amount in bids + asks)
        return zlib.crc32(text.encode())
