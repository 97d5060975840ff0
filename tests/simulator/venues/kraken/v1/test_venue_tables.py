"""The Kraken v1 venue's tables: its endpoints, channel names and ids, intervals, pair names."""

from __future__ import annotations

from spotstream.simulator import server
from spotstream.simulator.faults import Faults
from spotstream.simulator.market.fanout import MarketFanout
from spotstream.simulator.market.state import Market
from spotstream.simulator.market.stats import CANDLE_INTERVALS
from spotstream.simulator.venues.kraken.v1 import ENDPOINTS
from spotstream.simulator.venues.kraken.v1.hub import CHANNEL_NAMES, OHLC_INTERVALS, KrakenV1Hub


def test_endpoints_follow_kraken_layout() -> None:
    assert {e.name: e.paths for e in ENDPOINTS} == {
        "kraken_v1_public": ("/",),
        "kraken_v1_private": ("/auth",),
    }
    assert [e.name for e in ENDPOINTS if e.moves_market] == ["kraken_v1_private"]
    assert all(server.ROUTES[e.path] is e for e in ENDPOINTS)
    assert all(
        e.heartbeat is not None and e.heartbeat.endswith(b'{"event":"heartbeat"}')
        for e in ENDPOINTS
    )


def test_the_market_keeps_every_interval_kraken_v1_serves() -> None:
    assert set(OHLC_INTERVALS) <= set(CANDLE_INTERVALS)


class _Target:
    def drop_connections(self, endpoint: str | None = None) -> None: ...
    def stall(self, seconds: float | None) -> None: ...
    def resume(self) -> None: ...


def test_pairs_are_rest_wsnames_and_channel_ids_are_unique() -> None:
    market = Market(1, 0)
    hub = KrakenV1Hub(market, MarketFanout(market), lambda: 0, Faults(_Target()))
    assert hub.names == {
        "BTC/USD": "XBT/USD",
        "ETH/USD": "ETH/USD",
        "XRP/USD": "XRP/USD",
        "DOGE/USD": "XDG/USD",
        "ETH/BTC": "ETH/XBT",
        "BTC/USDT": "XBT/USDT",
        "ETH/USDT": "ETH/USDT",
    }
    ids = [hub.channel_id(name, symbol) for symbol in market.instruments for name in CHANNEL_NAMES]
    assert len(set(ids)) == len(ids)
