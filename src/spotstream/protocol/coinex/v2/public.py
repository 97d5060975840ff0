"""CoinEx socket API v2 public market data, sans-I/O: depth books verified on every push,
state (tickers), deals, bbo, index and maintenance notices.

Books (:mod:`spotstream.protocol.coinex.books`, shared with v1): a full push (``is_full``)
replaces the local book, an incremental one merges into it, and every push (full ones too)
is verified against the whole-book checksum.

Deals: the first push after (re)subscribing a market is a snapshot of recent deals; deals are
delivered oldest first and de-duplicated by ``deal_id`` across resubscriptions and reconnects.
A channel subscribed for "all markets" (symbol ``""``) gets every market's items as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spotstream.models.enums import EventKind
from spotstream.protocol.base import Outgoing
from spotstream.protocol.coinex.books import CoinExBooks
from spotstream.protocol.coinex.framing import DEFAULT_LIMIT
from spotstream.protocol.coinex.routing import envelope_field
from spotstream.protocol.coinex.v2 import translate, wire
from spotstream.protocol.coinex.v2.channels import Channel
from spotstream.protocol.coinex.v2.core import (
    DEFAULT_DEPTH,
    CoinExV2Core,
    DepthParams,
    canonical,
)
from spotstream.protocol.events import ChannelData, Event
from spotstream.protocol.instruments import InstrumentCache

_SNAPSHOT, _UPDATE = EventKind.SNAPSHOT, EventKind.UPDATE


class CoinExV2Protocol(CoinExV2Core, CoinExBooks):
    """The state of one CoinEx v2 public connection, without the connection."""

    def __init__(
        self, instruments: InstrumentCache | None = None, frame_limit: int = DEFAULT_LIMIT
    ) -> None:
        super().__init__(frame_limit)
        if instruments is not None:
            self.instruments = instruments
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
        super().drop_book(canonical(symbol))

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

    def _depth_of(self, market: str) -> DepthParams:
        return DEFAULT_DEPTH

    # --- pushes -----------------------------------------------------------------------------

    def _on_depth(self, msg: wire.DepthUpdate, text: bytes | str) -> list[Event]:
        data = msg.data
        depth = data.depth
        return self._apply_depth(data.market, data.is_full, depth, depth.updated_at, text)

    def _unreadable_push(self, method: str, why: str, text: bytes | str) -> list[Event]:
        events = super()._unreadable_push(method, why, text)
        if method != "depth.update":
            return events
        market = _pushed_market(text)
        # a push naming no book readably may be any book's: every one is untrusted then
        for symbol in [market] if market in self.books else list(self.books):
            events += self._book_unreadable(symbol, text)
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
    market = envelope_field(text, "data", "market")
    return market if isinstance(market, str) else ""
