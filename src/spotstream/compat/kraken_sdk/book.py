"""python-kraken-sdk's ``SpotOrderBookClient``: local v2 books, verified exactly.

Books are spotstream :class:`~spotstream.book.verified.VerifiedBook` s (scaled integers, the
Kraken CRC32 checked on every message). :meth:`SpotOrderBookClient.get` returns the SDK's
dict shape, built from the exact book when asked for::

    {"bid": {"65000.1": ("0.53214261", "2026-…Z"), ...},   # best first, at most `depth`
     "ask": {...}, "valid": True, "price_decimals": 1, "qty_decimals": 8}

Prices and volumes are strings with the pair's fixed decimals, exactly as the SDK formats
them (its book never held floats), but made from integers, so they are exact. The pair's
decimals come from the ``instrument`` channel (``price_precision``/``qty_precision``, which
Kraken documents as the checksum precisions); the SDK asks REST ``AssetPairs`` instead.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.transport import Transport
from spotstream.book.l2 import BookSide
from spotstream.book.units import PrecisionError, to_units
from spotstream.book.verified import ApplyResult, VerifiedBook
from spotstream.compat.kraken_sdk.ws import DEFAULT_QUEUE_SIZE, SpotWSClient
from spotstream.protocol.kraken.checksum import kraken_checksum

__all__ = ["SpotOrderBookClient"]

BookCallback = Callable[..., Any]
"""Called as ``callback(pair=..., message=...)``; may be sync or async."""
_TRUSTED = (ApplyResult.VERIFIED, ApplyResult.UNVERIFIED)
Stamps = dict[int, Any]  # price units -> timestamp of the message that last set the level


class _Level:
    """A wire level with exact amounts (JSON integers become Decimals: ``bytes(int)`` would
    not be the number's text)."""

    __slots__ = ("price", "qty")

    def __init__(self, level: dict[str, Any]) -> None:
        self.price = _exact(level["price"])
        self.qty = _exact(level["qty"])


def _exact(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise PrecisionError(f"{value!r} is not a JSON number")


def _fixed(units: int, decimals: int) -> str:
    """``units / 10^decimals`` with exactly ``decimals`` decimals (``"{:.{}f}"`` in the SDK)."""
    if decimals == 0:
        return str(units)
    whole, fraction = divmod(units, 10**decimals)
    return f"{whole}.{fraction:0{decimals}d}"


class _PairBook:
    """One pair's verified book, its per-level timestamps and its SDK-shaped view."""

    def __init__(self, symbol: str, depth: int, price_decimals: int, qty_decimals: int) -> None:
        self.book = VerifiedBook(symbol, depth, price_decimals, qty_decimals, kraken_checksum)
        self.valid = True
        self._stamps: tuple[Stamps, Stamps] = ({}, {})  # bids, asks
        self._version = 0
        self._built = -1
        self._view: dict[str, Any] = {
            "bid": {},
            "ask": {},
            "valid": True,
            "price_decimals": price_decimals,
            "qty_decimals": qty_decimals,
        }

    def apply(self, snapshot: bool, entry: dict[str, Any]) -> ApplyResult:
        """Apply one ``data`` entry of a book message; False ``valid`` after a mismatch."""
        try:
            bids = [_Level(level) for level in entry.get("bids") or ()]
            asks = [_Level(level) for level in entry.get("asks") or ()]
            checksum = entry.get("checksum")
            checksum = int(checksum) if checksum is not None else None
            apply = self.book.apply_snapshot if snapshot else self.book.apply_update
            result = apply(bids, asks, checksum)
        except (PrecisionError, KeyError, TypeError, ValueError):
            result = ApplyResult.INVALID
            self.book.mark_resyncing()
        if result is not ApplyResult.IGNORED:
            self.valid = result in _TRUSTED
            if self.valid:
                self._stamp(snapshot, bids, asks, entry.get("timestamp"))
            self._version += 1
        return result

    def _stamp(self, snapshot: bool, bids: list[_Level], asks: list[_Level], at: Any) -> None:
        precision = self.book.price_precision
        for stamps, levels in zip(self._stamps, (bids, asks), strict=True):
            if snapshot:
                stamps.clear()
            for level in levels:
                price = to_units(level.price, precision)
                if level.qty:
                    stamps[price] = at
                else:
                    stamps.pop(price, None)

    def view(self) -> dict[str, Any]:
        """The SDK's dict for this pair (the same object every time, refreshed on each call)."""
        view = self._view
        view["valid"] = self.valid
        if self._built != self._version:
            self._built = self._version
            book = self.book.book
            view["bid"] = self._side(book.bids, self._stamps[0])
            view["ask"] = self._side(book.asks, self._stamps[1])
        return view

    def _side(self, side: BookSide, stamps: Stamps) -> dict[str, tuple[str, Any]]:
        pp, qp = self.book.price_precision, self.book.qty_precision
        levels = {price: qty for price, qty in side.levels()}
        if len(stamps) > 2 * len(levels) + 16:  # forget levels truncated out of the window
            for price in [p for p in stamps if p not in levels]:
                del stamps[price]
        return {_fixed(p, pp): (_fixed(q, qp), stamps.get(p)) for p, q in levels.items()}


class SpotOrderBookClient(SpotWSClient):
    """Maintains order books of one ``depth`` (10, 25, 100, 500 or 1000) for several pairs.

    :meth:`add_book`/:meth:`remove_book` subscribe and unsubscribe; every book message is
    applied and verified, then :meth:`on_book_update` (override it, or pass ``callback``,
    sync or async, called as ``callback(pair=..., message=...)``) gets the raw message; read
    the book with :meth:`get`. On a checksum mismatch the book's ``valid`` turns False,
    ``on_book_update`` also gets ``{"error": "Checksum mismatch - resubscribing to the
    orderbook for PAIR"}`` and the pair is resubscribed (a fresh snapshot follows).
    Keyword-only: ``public_url``, ``rest_url``, ``transport``, ``reconnect``, ``queue_size``
    as for :class:`SpotWSClient`.
    """

    def __init__(
        self,
        depth: int = 10,
        callback: BookCallback | None = None,
        *,
        public_url: str | None = None,
        rest_url: str | None = None,
        transport: str | Transport = "picows",
        reconnect: ReconnectPolicy | None = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        super().__init__(
            public_url=public_url,
            rest_url=rest_url,
            transport=transport,
            reconnect=reconnect,
            queue_size=queue_size,
        )
        self.__depth = depth
        self.__on_book = callback
        self.__books: dict[str, _PairBook] = {}
        self.__decimals: dict[str, tuple[int, int]] = {}
        self.__instruments = asyncio.Event()
        self.__instrument_requested = False
        self.__instrument_hidden = False
        assert self._pub_conn is not None
        self._pub_conn.observers.append(self.__observe)

    @property
    def depth(self) -> int:
        """The depth of every book of this client."""
        return self.__depth

    def get(self, pair: str) -> dict[str, Any] | None:
        """The book of ``pair`` in the SDK's shape (module docstring), or None if not kept."""
        book = self.__books.get(pair)
        return book.view() if book is not None else None

    async def add_book(self, pairs: list[str]) -> None:
        """Subscribe to the books of ``pairs`` at this client's depth."""
        await self.__ensure_decimals()
        await self.subscribe(params={"channel": "book", "depth": self.__depth, "symbol": pairs})

    async def remove_book(self, pairs: list[str]) -> None:
        """Unsubscribe from the books of ``pairs``."""
        await self.unsubscribe(params={"channel": "book", "depth": self.__depth, "symbol": pairs})

    async def on_book_update(self, pair: str, message: dict[str, Any]) -> None:
        """Called after every applied book message (and with the mismatch notice). Calls the
        ``callback``, or prints the message. Override it in a subclass."""
        callback = self.__on_book
        if callback is None:
            print(message)
            return
        result = callback(pair=pair, message=message)
        if inspect.isawaitable(result):
            await result

    @property
    def active_public_subscriptions(self) -> list[dict[str, Any]]:
        """As :class:`SpotWSClient`, without the ``instrument`` subscription this client makes
        for itself (it needs each pair's decimals)."""
        subscriptions = super().active_public_subscriptions
        if not self.__instrument_hidden:
            return subscriptions
        return [s for s in subscriptions if s.get("channel") != "instrument"]

    async def subscribe(self, params: dict[str, Any], req_id: int | None = None) -> None:
        """As :meth:`SpotWSClient.subscribe` (a user's own ``instrument`` subscription is then
        listed in ``active_public_subscriptions``)."""
        if params.get("channel") == "instrument":
            self.__instrument_hidden = False
        await super().subscribe(params, req_id)

    async def __ensure_decimals(self) -> None:
        """Subscribe to ``instrument`` once and wait for its snapshot (pair decimals)."""
        if not self.__instrument_requested:
            self.__instrument_requested = self.__instrument_hidden = True
            await SpotWSClient.subscribe(self, params={"channel": "instrument"})
        try:
            async with asyncio.timeout(self.CONNECT_TIMEOUT):
                await self.__instruments.wait()
        except TimeoutError:
            raise TimeoutError("no instrument snapshot: the pairs' decimals are unknown") from None

    def __observe(self, message: dict[str, Any]) -> None:
        """Keep pair decimals from ``instrument`` messages (on arrival, not in the queue, so a
        resubscription made from ``on_book_update`` never waits on its own task)."""
        if message.get("channel") != "instrument" or not isinstance(message.get("data"), dict):
            return
        for pair in message["data"].get("pairs") or ():
            self.__decimals[pair["symbol"]] = (
                int(pair["price_precision"]),
                int(pair["qty_precision"]),
            )
        if message.get("type") == "snapshot":
            self.__instruments.set()

    async def on_message(self, message: Any) -> None:
        """Applies book messages and calls :meth:`on_book_update`. Do not override."""
        if not isinstance(message, dict):
            return
        if message.get("method") in ("subscribe", "unsubscribe"):
            self.__on_ack(message)
            return
        data = message.get("data")
        if message.get("channel") != "book" or not data or not isinstance(data, list):
            return
        entry = data[0]
        if not isinstance(entry, dict) or "checksum" not in entry or "symbol" not in entry:
            return
        pair = entry["symbol"]
        book = self.__book_for(pair, message.get("type") == "snapshot")
        if book is None or book.apply(message.get("type") == "snapshot", entry) is (
            ApplyResult.IGNORED
        ):
            return
        await self.on_book_update(pair=pair, message=message)
        if not book.valid:
            await self.on_book_update(
                pair=pair,
                message={"error": f"Checksum mismatch - resubscribing to the orderbook for {pair}"},
            )
            await self.remove_book(pairs=[pair])
            await self.add_book(pairs=[pair])

    def __on_ack(self, message: dict[str, Any]) -> None:
        """A confirmed (un)subscription of a book forgets it: a new snapshot starts it over."""
        result = message.get("result")
        if message.get("success") and isinstance(result, dict) and result.get("channel") == "book":
            self.__books.pop(str(result.get("symbol")), None)

    def __book_for(self, pair: str, snapshot: bool) -> _PairBook | None:
        book = self.__books.get(pair)
        if book is not None or not snapshot:
            return book
        decimals = self.__decimals.get(pair)
        if decimals is None:
            self.LOG.warning("%s: no instrument data, its book cannot be verified", pair)
            return None
        book = self.__books[pair] = _PairBook(pair, self.__depth, *decimals)
        return book
