"""CoinEx socket API v2 public market data, sans-I/O: depth books verified on every push,
state (tickers), deals, bbo, index and maintenance notices.

Books: a full push (``is_full``) replaces the local book, an incremental one merges into it
(amount ``"0"`` deletes); CoinEx keeps the client's book equal to its top-``limit`` window
with explicit deletions, so the book is never truncated here, and every push (full ones too)
is verified against the whole-book checksum over the numbers as received
(:mod:`spotstream.protocol.coinex.checksum`). A book's precisions are the most decimals its
pushes have shown (CoinEx sends fixed-decimal text; the checksum reads the text, so a wider
precision changes nothing but what the book can hold).

Deals: the first push after (re)subscribing a market is a snapshot of recent deals; deals are
delivered oldest first and de-duplicated by ``deal_id`` across resubscriptions and reconnects.
A channel subscribed for "all markets" (symbol ``""``) gets every market's items as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from spotstream.book.tracked import ApplyResult
from spotstream.book.units import check_precision, most_decimals
from spotstream.book.verified import VerifiedBook
from spotstream.errors import DecodeError
from spotstream.models.enums import EventKind
from spotstream.protocol.base import Outgoing
from spotstream.protocol.coinex.checksum import COINEX_MAX_LEVELS, coinex_checksum, wire_checksum
from spotstream.protocol.coinex.framing import DEFAULT_LIMIT
from spotstream.protocol.coinex.v2 import translate, wire
from spotstream.protocol.coinex.v2.channels import Channel
from spotstream.protocol.coinex.v2.core import (
    DEFAULT_DEPTH,
    CoinExV2Core,
    DepthParams,
    canonical,
)
from spotstream.protocol.events import BookData, ChannelData, Event, StreamKey
from spotstream.protocol.instruments import InstrumentCache

_SNAPSHOT, _UPDATE = EventKind.SNAPSHOT, EventKind.UPDATE
_INVALID = ApplyResult.INVALID  # a member read from its class costs ~170 ns (3.11)
_millis = translate.millis


class CoinExV2Protocol(CoinExV2Core):
    """The state of one CoinEx v2 public connection, without the connection."""

    def __init__(
        self, instruments: InstrumentCache | None = None, frame_limit: int = DEFAULT_LIMIT
    ) -> None:
        super().__init__(frame_limit)
        self.instruments = instruments if instruments is not None else InstrumentCache()
        self.books: dict[str, VerifiedBook] = {}
        self.discarded = 0  # book pushes still in flight for a book that was dropped
        self._dropped_books: set[str] = set()
        self._decimals: dict[str, tuple[int, int]] = {}  # market -> most decimals seen
        self._book_keys: dict[str, StreamKey] = {}
        self._last_deal: dict[str, int] = {}  # market -> newest deal_id delivered
        self._deals_live: set[str] = set()  # markets whose snapshot of deals has come
        self._decoder = wire.PUSH_DECODER
        self._routes = {
            wire.DepthUpdate: self._on_depth,
            wire.StateUpdate: self._on_state,
            wire.DealsUpdate: self._on_deals,
            wire.BboUpdate: self._on_bbo,
            wire.IndexUpdate: self._on_index,
            wire.NoticeUpdate: self._on_notice,
        }

    # --- books ------------------------------------------------------------------------------

    def resync_book(self, symbol: str) -> list[Outgoing]:
        """A subscribe of the whole depth set: CoinEx answers it with a full push."""
        symbol = canonical(symbol)
        self.books[symbol].mark_resyncing()
        limit, interval, full = self.wanted.get("book", {}).get(symbol) or self._depth_of(symbol)
        options = {"depth": limit, "interval": interval, "full": full}
        return [self.subscribe_stream("book", [symbol], options)]

    def drop_book(self, symbol: str) -> None:
        symbol = canonical(symbol)
        if self.books.pop(symbol, None) is not None:
            self._dropped_books.add(symbol)
            self._book_keys.pop(symbol, None)

    def connection_lost(self) -> object:
        super().connection_lost()
        self._deals_live.clear()
        for book in self.books.values():
            book.mark_resyncing()
        return None

    def _adding(self, spec: Channel, markets: list[str], params: DepthParams | None) -> None:
        if spec.name == "book":
            for market in markets:
                self._ensure_book(market)
        elif spec.name == "trade":
            if "" in markets:
                self._deals_live.clear()
            else:
                self._deals_live.difference_update(markets)

    def _ensure_book(self, market: str) -> None:
        if market in self.books:
            return
        pair = self.instruments.pairs.get(market)  # a hint; every full push widens it
        price, qty = (pair.price_precision, pair.qty_precision) if pair else (0, 0)
        seen = self._decimals.get(market, (0, 0))
        price, qty = max(price, seen[0]), max(qty, seen[1])
        self.books[market] = VerifiedBook(market, COINEX_MAX_LEVELS, price, qty, coinex_checksum)
        self._dropped_books.discard(market)

    def _depth_of(self, market: str) -> DepthParams:
        return DEFAULT_DEPTH

    # --- pushes -----------------------------------------------------------------------------

    def _on_depth(self, msg: wire.DepthUpdate, text: bytes | str) -> list[Event]:
        data = msg.data
        market = data.market
        book = self.books.get(market)
        if book is None:
            if market in self._dropped_books:
                self.discarded += 1
                return []
            return [self._unhandled("book:unknown-market", market, text)]
        key = self._book_keys.get(market)
        if key is None:
            key = self._book_keys[market] = ("book", market, None)
        depth = data.depth
        full = data.is_full
        kind = _SNAPSHOT if full else _UPDATE
        try:
            checksum = depth.checksum
            if type(checksum) is not int or not 0 <= checksum <= 0xFFFFFFFF:
                checksum = wire_checksum(checksum)  # a negative int or text (unsigned: as is)
            updated_at = depth.updated_at
            stamp = None if updated_at is None else _millis(updated_at)
            if full:
                self._widen(book, depth)
                result = book.apply_snapshot(depth.bids, depth.asks, checksum, stamp)
            else:
                result = book.apply_update(depth.bids, depth.asks, checksum, stamp)
                if result is _INVALID:
                    self._note_decimals(market, depth)  # the next full push makes room
        except Exception as exc:  # perhaps half applied: untrusted until a full push
            if isinstance(exc, DecodeError):
                event = self._unhandled("depth.update", str(exc), text)
            else:
                event = self._internal("depth.update", exc, text)
            book.mark_resyncing()
            return [event, BookData(key, kind, ApplyResult.INVALID, book, text)]
        return [BookData(key, kind, result, book, text)]

    def _widen(self, book: VerifiedBook, depth: wire.Depth) -> None:
        """Before a full push: make the book's precisions hold every number it carries."""
        price, qty = self._note_decimals(book.symbol, depth)
        if price > book.price_precision or qty > book.qty_precision:
            check_precision(book.symbol, "price precision", price)
            check_precision(book.symbol, "qty precision", qty)
            book.price_precision = max(book.price_precision, price)
            book.qty_precision = max(book.qty_precision, qty)

    def _note_decimals(self, market: str, depth: wire.Depth) -> tuple[int, int]:
        levels = (*depth.bids, *depth.asks)
        seen = self._decimals.get(market, (0, 0))
        price = max(seen[0], most_decimals(level.price for level in levels))
        qty = max(seen[1], most_decimals(level.qty for level in levels))
        self._decimals[market] = (price, qty)
        return price, qty

    def _unreadable_push(self, method: str, why: str, text: bytes | str) -> list[Event]:
        events = super()._unreadable_push(method, why, text)
        if method != "depth.update":
            return events
        book = self.books.get(_pushed_market(text))
        if book is not None:  # its levels are unknown now: untrusted until a full push
            book.mark_resyncing()
            key: StreamKey = ("book", book.symbol, None)
            events.append(BookData(key, _UPDATE, ApplyResult.INVALID, book, text))
        return events

    def _on_state(self, msg: wire.StateUpdate, text: bytes | str) -> list[Event]:
        tickers = [translate.ticker(state) for state in msg.data.state_list]
        events: list[Event] = [
            ChannelData(("ticker", t.symbol, None), _UPDATE, [t], text) for t in tickers
        ]
        if "" in self.wanted.get("ticker", ()):
            events.append(ChannelData(("ticker", "", None), _UPDATE, list(tickers), text))
        return events

    def _on_deals(self, msg: wire.DealsUpdate, text: bytes | str) -> list[Event]:
        market = msg.data.market
        newest = self._last_deal.get(market, -1)
        deals = sorted((d for d in msg.data.deal_list if d.deal_id > newest), key=_deal_id)
        kind = _UPDATE
        if market not in self._deals_live:
            self._deals_live.add(market)
            kind = _SNAPSHOT
        if not deals:
            return []
        self._last_deal[market] = deals[-1].deal_id
        trades = [translate.trade(market, deal) for deal in deals]
        return self._data("trade", market, kind, trades, text)

    def _on_bbo(self, msg: wire.BboUpdate, text: bytes | str) -> list[Event]:
        data = msg.data
        return self._data("bbo", data.market, _UPDATE, [translate.bbo(data)], text)

    def _on_index(self, msg: wire.IndexUpdate, text: bytes | str) -> list[Event]:
        data = msg.data
        return self._data("index", data.market, _UPDATE, [translate.index(data)], text)

    def _on_notice(self, msg: wire.NoticeUpdate, text: bytes | str) -> list[Event]:
        windows: Iterable[wire.MaintenanceWindow]
        if isinstance(msg.data, list):
            windows = msg.data
        else:
            windows = [w for group in msg.data.values() for w in group]
        items: list[object] = [translate.maintenance(w) for w in windows]
        return [ChannelData(("notice", "", None), _UPDATE, items, text)]

    def _data(
        self, channel: str, market: str, kind: EventKind, items: list[Any], text: bytes | str
    ) -> list[Event]:
        """The items for the market's stream, and for the channel's all-markets stream."""
        events: list[Event] = [ChannelData((channel, market, None), kind, items, text)]
        if "" in self.wanted.get(channel, ()):
            events.append(ChannelData((channel, "", None), kind, items, text))
        return events


def _deal_id(deal: wire.Deal) -> int:
    return deal.deal_id


def _pushed_market(text: bytes | str) -> str:
    try:
        envelope = msgspec.json.decode(text, type=dict[str, Any])
        market = envelope.get("data", {}).get("market")
    except (msgspec.MsgspecError, AttributeError):
        return ""
    return market if isinstance(market, str) else ""
