"""CoinEx socket API v1 public market data, sans-I/O: depth books verified on every push
(the v2 checksum, :mod:`spotstream.protocol.coinex.books`), state (tickers), deals, klines,
and the socket queries of each (``state.query``, ``depth.query``, ``deals.query``,
``kline.query``).

Each channel holds one subscription per connection (:mod:`.core`). ``depth.update``'s
``params`` are ``[clean, depth, market]``: ``clean`` a full book (replace), else a diff
(``"0"`` deletes). Deals: the first push after subscribing is the recent list (a snapshot),
delivered oldest first and de-duplicated by id across resubscriptions and reconnects.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from spotstream.errors import InvalidRequestError
from spotstream.models.enums import EventKind
from spotstream.models.market import BookSnapshot, Kline, Ticker, Trade
from spotstream.protocol.base import Outgoing
from spotstream.protocol.coinex.books import CoinExBooks, depth_snapshot
from spotstream.protocol.coinex.v1 import translate, wire
from spotstream.protocol.coinex.v1.core import CoinExV1Core, _Pending
from spotstream.protocol.coinex.v1.deals import DEALS_DECODER, DealV1
from spotstream.protocol.coinex.v1.deals import trade as deal_trade
from spotstream.protocol.coinex.v2.channels import DEPTH_LIMITS
from spotstream.protocol.coinex.v2.core import canonical
from spotstream.protocol.events import ChannelData, Event
from spotstream.protocol.instruments import InstrumentCache

DEPTH_INTERVALS = (
    "0", "0.00000001", "0.0000001", "0.000001", "0.00001", "0.0001", "0.001", "0.01", "0.1",
    "1", "10", "100",
)  # fmt: skip
KLINE_INTERVALS = (60, 180, 300, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400, 259200, 604800)
"""Candle lengths v1 offers, in seconds (spec B4)."""
PUBLIC_METHODS = {"book": "depth", "ticker": "state", "trade": "deals", "kline": "kline"}

_SNAPSHOT, _UPDATE = EventKind.SNAPSHOT, EventKind.UPDATE
_STATE = msgspec.json.Decoder(wire.MarketStateV1)
_DEPTH = msgspec.json.Decoder(wire.DepthV1)
_KLINES = msgspec.json.Decoder(list[wire.KlineRow])


def merge_interval(merge_depth: int | str) -> str:
    """CoinEx.Net's ``mergeDepth`` (0..8) as v1's merge interval: 8 is ``"0"`` (no merge),
    ``d`` in 0..7 is ``1e-(8-d)`` (0 ``"0.00000001"`` ... 7 ``"0.1"``); text passes as is."""
    if isinstance(merge_depth, str):
        return merge_depth
    if isinstance(merge_depth, bool) or not 0 <= merge_depth <= 8:
        raise InvalidRequestError(f"merge depth must be 0..8, not {merge_depth!r}")
    return "0" if merge_depth == 8 else "0." + "0" * (7 - merge_depth) + "1"


def check_depth(limit: int, interval: str) -> None:
    if limit not in DEPTH_LIMITS:
        raise InvalidRequestError(f"book depth must be one of {DEPTH_LIMITS}, not {limit!r}")
    if interval not in DEPTH_INTERVALS:
        raise InvalidRequestError(f"book interval must be one of {DEPTH_INTERVALS}")


def check_kline_interval(interval: int) -> None:
    if interval not in KLINE_INTERVALS:
        raise InvalidRequestError(f"kline interval must be one of {KLINE_INTERVALS} (seconds)")


class CoinExV1Protocol(CoinExV1Core, CoinExBooks):
    """The state of one CoinEx v1 public connection, without the connection."""

    _methods = PUBLIC_METHODS

    def __init__(self, instruments: InstrumentCache | None = None) -> None:
        super().__init__()
        if instruments is not None:
            self.instruments = instruments
        self._last_deal: dict[str, int] = {}  # market -> newest deal id delivered
        self._deals_live = False  # whether this subscription's first deal list has come
        self._decoder = wire.PUBLIC_DECODER
        self._routes = {
            wire.DepthPush: self._on_depth,
            wire.StatePush: self._on_state,
            wire.DealsPush: self._on_deals,
            wire.KlinePush: self._on_kline,
        }

    # --- subscriptions ----------------------------------------------------------------------

    def _params(self, channel: str, market: str, options: Mapping[str, Any]) -> tuple[Any, ...]:
        if channel == "book":
            if not market:
                raise InvalidRequestError("book: name the market (depth has no 'all markets')")
            limit = options.get("depth", 10)
            interval = merge_interval(options.get("interval", "0"))
            check_depth(limit, interval)
            diff = options.get("diff", True)
            if not isinstance(diff, bool):
                raise InvalidRequestError(f"book diff must be a bool, not {diff!r}")
            return (market, int(limit), interval, diff)
        if channel == "kline":
            if not market:
                raise InvalidRequestError("kline: name the market")
            interval = options.get("interval", 60)
            check_kline_interval(interval)
            return (market, int(interval))
        return (market,) if market else ()

    def _adding(self, channel: str, market: str) -> None:
        if channel == "book":
            self._ensure_book(market)
        elif channel == "trade":
            self._deals_live = False

    def resync_book(self, symbol: str) -> list[Outgoing]:
        """The book's subscribe again: CoinEx answers it with a full (``clean``) push."""
        market = canonical(symbol)
        held = self.held.get("book")
        if held is None or held.symbol != market:
            raise InvalidRequestError(f"no book of {market} on this connection")
        self.books[market].mark_resyncing()
        pending = _Pending("subscribe", "depth.subscribe", "book", market)
        return [self._request(pending, list(held.params))]

    def drop_book(self, symbol: str) -> None:
        super().drop_book(canonical(symbol))

    def connection_lost(self) -> object:
        super().connection_lost()
        self._deals_live = False
        for book in self.books.values():
            book.mark_resyncing()
        return None

    # --- queries ----------------------------------------------------------------------------

    def ticker_query(self, market: str, period: int = 86400) -> Outgoing:
        market = canonical(market)
        return self.query(
            "state.query",
            [market, period],
            lambda raw: translate.ticker(market, _STATE.decode(raw)),
        )

    def depth_query(self, market: str, limit: int, interval: str) -> Outgoing:
        market = canonical(market)
        check_depth(limit, interval)

        def parse(raw: msgspec.Raw) -> BookSnapshot:
            depth = _DEPTH.decode(raw)
            return depth_snapshot(market, depth, depth.time, "depth.query")

        return self.query("depth.query", [market, limit, interval], parse)

    def deals_query(self, market: str, limit: int, last_id: int = 0) -> Outgoing:
        """Recent deals (``deals.query``), newest first as CoinEx lists them; ``last_id``
        returns only deals after that id (0: the latest)."""
        market = canonical(market)

        def parse(raw: msgspec.Raw) -> list[Trade]:
            return [deal_trade(market, d) for d in DEALS_DECODER.decode(raw)]

        return self.query("deals.query", [market, limit, last_id], parse)

    def kline_query(self, market: str, start: datetime, end: datetime, interval: int) -> Outgoing:
        market = canonical(market)
        check_kline_interval(interval)

        def parse(raw: msgspec.Raw) -> list[Kline]:
            return [translate.kline(row, interval, market) for row in _KLINES.decode(raw)]

        params = [market, int(start.timestamp()), int(end.timestamp()), interval]
        return self.query("kline.query", params, parse)

    # --- pushes -----------------------------------------------------------------------------

    def _on_depth(self, msg: wire.DepthPush, text: bytes) -> list[Event]:
        clean, depth, market = msg.params
        return self._apply_depth(market, clean, depth, depth.time, text)

    def _unreadable_push(self, method: str, why: str, text: bytes) -> list[Event]:
        events = super()._unreadable_push(method, why, text)
        held = self.held.get("book")
        if method == "depth.update" and held is not None:
            events += self._book_unreadable(held.symbol, text)
        return events

    def _on_state(self, msg: wire.StatePush, text: bytes) -> list[Event]:
        tickers: list[Ticker] = [translate.ticker(m, s) for m, s in msg.params[0].items()]
        events: list[Event] = [
            ChannelData(("ticker", t.symbol, None), _UPDATE, [t], text) for t in tickers
        ]
        held = self.held.get("ticker")
        if held is not None and not held.symbol:
            events.append(ChannelData(("ticker", "", None), _UPDATE, list(tickers), text))
        return events

    def _on_deals(self, msg: wire.DealsPush, text: bytes) -> list[Event]:
        market, deals = msg.params
        newest = self._last_deal.get(market, -1)
        fresh: list[DealV1] = sorted((d for d in deals if d.id > newest), key=_deal_id)
        kind = _UPDATE if self._deals_live else _SNAPSHOT
        self._deals_live = True
        if not fresh:
            return []
        self._last_deal[market] = fresh[-1].id
        trades: list[object] = [deal_trade(market, d) for d in fresh]
        events: list[Event] = [ChannelData(("trade", market, None), kind, trades, text)]
        held = self.held.get("trade")
        if held is not None and not held.symbol:
            events.append(ChannelData(("trade", "", None), kind, trades, text))
        return events

    def _on_kline(self, msg: wire.KlinePush, text: bytes) -> list[Event]:
        held = self.held.get("kline")
        if held is None:
            return [self._unhandled("kline:unsubscribed", "a candle nobody asked for", text)]
        interval = held.params[1]
        return [
            ChannelData(("kline", k.symbol, None), _UPDATE, [k], text)
            for k in (translate.kline(row, interval) for row in msg.params)
        ]


def _deal_id(deal: DealV1) -> int:
    return deal.id
