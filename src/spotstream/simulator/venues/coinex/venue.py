"""Everything CoinEx on one simulator: its hub, keys, order numbering and REST, built once.

The server makes one :class:`CoinExVenue` over the shared market, fan-out and matching
engine; the socket sessions (v2 and the legacy v1) and REST share its parts: one key store,
one order numbering, one set of signed connections (what ``drop_private_connections`` cuts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spotstream.simulator.faults import Faults
from spotstream.simulator.market.fanout import MarketFanout
from spotstream.simulator.market.feed import BookPublisher
from spotstream.simulator.market.state import Market
from spotstream.simulator.matching.engine import MatchingEngine
from spotstream.simulator.venues.coinex.credentials import (
    DEFAULT_COINEX_KEYS,
    CoinExKey,
    CoinExKeyStore,
)
from spotstream.simulator.venues.coinex.orders import CoinExOrders
from spotstream.simulator.venues.coinex.rest import CoinExRest
from spotstream.simulator.venues.coinex.rest_market import RestMarket
from spotstream.simulator.venues.coinex.rest_trading import RestTrading
from spotstream.simulator.venues.coinex.v1.hub import CoinExV1Hub
from spotstream.simulator.venues.coinex.v2.hub import CoinExV2Hub


class CoinExVenue:
    """CoinEx's parts on one simulator."""

    def __init__(
        self,
        market: Market,
        fanout: MarketFanout,
        clock: Callable[[], int],
        faults: Faults,
        engine: MatchingEngine[BookPublisher],
        flush: Callable[[], None],
        *,
        seed: object = 1,
        keys: Iterable[CoinExKey] = DEFAULT_COINEX_KEYS,
    ) -> None:
        self.hub = CoinExV2Hub(market, fanout, clock, faults)
        self.hub_v1 = CoinExV1Hub(market, fanout, clock, faults)
        self.keys = CoinExKeyStore(keys)
        self.orders = CoinExOrders(seed)
        self.signed: set[int] = set()  # the connections that signed in (private sockets)
        self._flush = flush
        faults.on_maintenance(self._announce)
        self.rest = CoinExRest(
            RestMarket(market, fanout, self.hub, clock, lambda: self.hub.maintenance),
            RestTrading(engine, self.orders, self.hub, clock),
            self.keys,
        )

    def _announce(self, window: tuple[float, float] | None) -> None:
        self.hub.announce(window)
        self._flush()
