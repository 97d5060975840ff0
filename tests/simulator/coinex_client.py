"""A raw CoinEx v2 client for the simulator tests (over ``websockets``), and a reference
depth book that checks every push's checksum.

Every server frame must be binary gzip JSON (the client fails on anything else). The book
is deliberately naive: levels keyed by ``Decimal`` price holding the strings received, the
checksum a ``zlib.crc32`` of the whole book joined as the spec says (bids descending, then
asks ascending); it is also fed to the library's
:func:`~spotstream.protocol.coinex.checksum.coinex_checksum` book for comparison.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from collections.abc import Callable
from decimal import Decimal
from itertools import count
from typing import Any

import msgspec
import websockets

from spotstream.book.l2 import L2Book
from spotstream.protocol.coinex.checksum import COINEX_LEVEL_TEXT, coinex_checksum, wire_checksum
from spotstream.protocol.coinex.v2 import wire

TIMEOUT = 10.0


class CoinExClient:
    """A bare CoinEx v2 socket client that waits on conditions, never on sleeps."""

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
        assert isinstance(frame, bytes), f"a text frame: {frame!r}"
        message = json.loads(gzip.decompress(frame))
        self.received.append(message)
        return message

    async def until(self, condition: Callable[[Any], bool], timeout: float = TIMEOUT) -> Any:
        async with asyncio.timeout(timeout):
            while True:
                message = await self.recv()
                if condition(message):
                    return message

    async def request(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """Send a request; its answer (pushes before it are kept in :attr:`received`)."""
        request_id = next(self.ids)
        message = {"method": method, "params": {} if params is None else params, "id": request_id}
        await self.ws.send(json.dumps(message))
        return await self.until(lambda m: m.get("id") == request_id and "method" not in m)


async def connect(url: str) -> CoinExClient:
    ws = await websockets.connect(url, max_size=None, compression=None)
    return CoinExClient(ws)


def is_push(method: str, market: str | None = None) -> Callable[[Any], bool]:
    return lambda m: (
        m.get("method") == method and (market is None or m["data"].get("market") == market)
    )


class ReferenceBook:
    """A client's CoinEx depth book: applies pushes, checks each checksum two ways."""

    def __init__(self, price_precision: int, qty_precision: int) -> None:
        self.bids: dict[Decimal, tuple[str, str]] = {}
        self.asks: dict[Decimal, tuple[str, str]] = {}
        self.precision = (price_precision, qty_precision)
        self.library = L2Book(50, COINEX_LEVEL_TEXT)
        self.pushes = 0
        self.deletions = 0

    def apply(self, push: dict[str, Any]) -> None:
        """Apply one ``depth.update``; asserts that its checksum matches the book."""
        decoded = msgspec.json.decode(json.dumps(push), type=wire.DepthUpdate)
        data = push["data"]
        depth = data["depth"]
        if data["is_full"]:
            self.bids.clear()
            self.asks.clear()
            self.library.clear()
        for side, levels in ((self.bids, depth["bids"]), (self.asks, depth["asks"])):
            for price, amount in levels:
                if Decimal(amount) == 0:
                    self.deletions += side.pop(Decimal(price), None) is not None
                else:
                    side[Decimal(price)] = (price, amount)
        self.library.bids.apply(decoded.data.depth.bids, *self.precision)
        self.library.asks.apply(decoded.data.depth.asks, *self.precision)
        expected = wire_checksum(depth["checksum"])
        assert isinstance(depth["checksum"], int)  # sent unsigned, as an int
        assert 0 <= depth["checksum"] < 1 << 32
        assert self.checksum() == expected, (self.checksum(), depth["checksum"])
        assert coinex_checksum(self.library) == expected
        self.pushes += 1

    def checksum(self) -> int:
        bids = [self.bids[p] for p in sorted(self.bids, reverse=True)]
        asks = [self.asks[p] for p in sorted(self.asks)]
        text = ":".join(f"{price}:{amount}" for price, amount in bids + asks)
        return zlib.crc32(text.encode())
