"""The query methods of the CoinEx v1 socket (spec B4-B5): ``state``, ``depth``, ``deals``,
``kline`` (public) and ``asset``, ``order`` (after ``server.sign``).

Each takes the request's array params and returns the ``result``. ``deals.query`` lists the
market's recent trades newer than ``last_id`` (``0``: any), newest first, at most ``limit``
(the simulator keeps the last 50); ``order.query`` pages the account's open orders of the
market, newest first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spotstream.protocol.coinex.v1.wire import MarketStateV1
from spotstream.simulator.venues.coinex.v1 import frames, klines
from spotstream.simulator.venues.coinex.v1 import params as p
from spotstream.simulator.venues.coinex.v1.hub import CoinExV1Hub
from spotstream.simulator.venues.coinex.v1.private import V1PrivateFeed


class Queries:
    """One connection's query methods (``signed`` gives its private feed, or refuses)."""

    def __init__(self, hub: CoinExV1Hub, signed: Callable[[], V1PrivateFeed]) -> None:
        self.hub = hub
        self.signed = signed

    def state(self, params: list[Any]) -> MarketStateV1:
        name, period = p.state_query(params, self.hub.markets)
        state = self.hub.state_entry(name, totals=False)
        state.period = period
        return state

    def depth(self, params: list[Any]) -> frames.Depth:
        return self.hub.depth_answer(*p.depth_query(params, self.hub.markets))

    def deals(self, params: list[Any]) -> list[frames.Deal]:
        name, limit, last_id = p.deals_query(params, self.hub.markets)
        recent = [d for d in self.hub.recent_deals(name) if d.id > last_id]
        return recent[:limit]

    def kline(self, params: list[Any]) -> list[list[Any]]:
        name, start, end, interval = p.kline_query(params, self.hub.markets)
        market = self.hub.market[self.hub.markets[name].symbol]
        return klines.query(market, self.hub.numbers[name], name, start, end, interval)

    def asset(self, params: list[Any]) -> dict[str, frames.Balance]:
        private = self.signed()
        return private.assets(sorted(p.names(params, self.hub.currencies), key=params.index))

    def order(self, params: list[Any]) -> dict[str, Any]:
        private = self.signed()
        name, side, offset, limit = p.order_query(params, self.hub.markets)
        records = private.open_orders(name, side)
        return {
            "offset": offset,
            "limit": limit,
            "total": len(records),
            "records": records[offset : offset + limit],
        }
