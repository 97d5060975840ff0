"""CoinEx REST v2 public market data (``/v2/spot/market``, ``ticker``, ``depth``, ``deals``,
``kline``, ``/v2/time``, ``/v2/maintain/info``, the currency list), from the shared market.

Shapes follow CoinEx's documentation; numbers are the market's fixed-decimal strings, the
same the socket sends. ``depth`` carries the socket's checksum of the returned levels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spotstream.protocol.coinex.v2 import wire
from spotstream.protocol.coinex.v2.rest_market import PERIODS
from spotstream.simulator.market.fanout import MarketFanout
from spotstream.simulator.market.state import Market
from spotstream.simulator.market.stats import CANDLE_INTERVALS, aggregate
from spotstream.simulator.matching.accounts import from_units
from spotstream.simulator.matching.funds import MAKER_FEE, TAKER_FEE
from spotstream.simulator.venues.coinex.markets import money
from spotstream.simulator.venues.coinex.refusals import PARAMETER_ERROR, CoinExRefusal
from spotstream.simulator.venues.coinex.v2 import frames
from spotstream.simulator.venues.coinex.v2.depth import INTERVALS, LIMITS, DepthWindow, merge_units
from spotstream.simulator.venues.coinex.v2.hub import CoinExV2Hub

Params = dict[str, str]
DEALS_LIMIT = 100  # deals when no limit is given
KLINE_LIMIT = 100  # klines when no limit is given
MAX_LIMIT = 1000


class RestMarket:
    """The public REST methods (each takes the query parameters)."""

    def __init__(
        self,
        market: Market,
        fanout: MarketFanout,
        hub: CoinExV2Hub,
        clock: Callable[[], int],
        maintenance: Callable[[], list[frames.Maintenance]] = list,
    ) -> None:
        self.market = market
        self.fanout = fanout
        self.hub = hub
        self.clock = clock
        self._maintenance = maintenance

    def _names(self, params: Params, required: bool = False) -> list[str]:
        text = params.get("market", "")
        if not text:
            if required:
                raise CoinExRefusal(PARAMETER_ERROR)
            return list(self.hub.markets)
        names = [n.strip() for n in text.split(",") if n.strip()]
        if any(n not in self.hub.markets for n in names) or (required and len(names) != 1):
            raise CoinExRefusal(PARAMETER_ERROR)
        return names

    def time(self, params: Params) -> dict[str, int]:
        return {"timestamp": frames.ms(self.clock())}

    def maintenance(self, params: Params) -> list[frames.Maintenance]:
        return self._maintenance()

    def markets(self, params: Params) -> list[dict[str, Any]]:
        out = []
        for name in self._names(params):
            spec = self.hub.markets[name]
            out.append(
                {
                    "market": name,
                    "base_ccy": spec.base,
                    "quote_ccy": spec.quote,
                    "base_ccy_precision": spec.qty_precision,
                    "quote_ccy_precision": spec.price_precision,
                    "min_amount": format(spec.qty_min, "f"),
                    "maker_fee_rate": format(MAKER_FEE, "f"),
                    "taker_fee_rate": format(TAKER_FEE, "f"),
                    "is_amm_available": False,
                    "is_margin_available": False,
                    "is_pre_trading_available": False,
                    "is_api_trading_available": spec.status == "online",
                }
            )
        return out

    def currencies(self, params: Params) -> list[dict[str, Any]]:
        listed = {c for spec in self.hub.markets.values() for c in (spec.base, spec.quote)}
        return [
            {
                "asset": {
                    "ccy": asset.id,
                    "deposit_enabled": False,
                    "withdraw_enabled": False,
                    "inter_transfer_enabled": True,
                    "is_st": False,
                },
                "chains": [],
            }
            for asset in self.market.assets
            if asset.id in listed
        ]

    def tickers(self, params: Params) -> list[wire.MarketState]:
        return [self.hub.state_entry(name) for name in self._names(params)]

    def depth(self, params: Params) -> dict[str, Any]:
        name = self._names(params, required=True)[0]
        limit, interval = _int(params.get("limit", "20")), params.get("interval", "0")
        if limit not in LIMITS or interval not in INTERVALS:
            raise CoinExRefusal(PARAMETER_ERROR)
        spec = self.hub.markets[name]
        self.fanout.sync(spec.symbol)
        market = self.market[spec.symbol]
        numbers = self.hub.numbers[name]
        step = merge_units(interval, spec.price_precision)
        change = DepthWindow(name, market.book, limit, step, numbers).full()
        return {
            "market": name,
            "is_full": True,
            "depth": {
                "asks": [[p.decode(), q.decode()] for p, q in change.asks],
                "bids": [[p.decode(), q.decode()] for p, q in change.bids],
                "last": numbers.price(market.ticker.last),
                "updated_at": frames.ms(self.clock()),
                "checksum": change.checksum,
            },
        }

    def deals(self, params: Params) -> list[wire.Deal]:
        """The latest deals, newest first; ``last_id`` (UNCONFIRMED: CoinEx documents it as
        "the starting point, 0 the latest") pages back: only deals older than it."""
        name = self._names(params, required=True)[0]
        limit = _int(params.get("limit", str(DEALS_LIMIT)))
        last_id = _int(params.get("last_id", "0"))
        if not 1 <= limit <= MAX_LIMIT:
            raise CoinExRefusal(PARAMETER_ERROR)
        spec, numbers = self.hub.markets[name], self.hub.numbers[name]
        self.fanout.sync(spec.symbol)
        recent = [
            t for t in reversed(self.market[spec.symbol].tape.recent)
            if not last_id or t.trade_id < last_id
        ][:limit]  # fmt: skip
        return [
            wire.Deal(
                deal_id=t.trade_id,
                created_at=frames.ms(t.time_ns),
                side=t.side,
                price=numbers.price(t.price),
                amount=numbers.amount(t.qty),
            )
            for t in recent
        ]

    def klines(self, params: Params) -> list[dict[str, Any]]:
        """The latest ``limit`` candles of ``period``, oldest first, from the market's candle
        series (the ones Kraken's ``ohlc`` serves): a period no series has is merged from
        the longest series that divides it (3min from 1min, 2hour from 1hour ...)."""
        name = self._names(params, required=True)[0]
        period = PERIODS.get(params.get("period", ""))
        limit = _int(params.get("limit", str(KLINE_LIMIT)))
        if period is None or not 1 <= limit <= MAX_LIMIT:
            raise CoinExRefusal(PARAMETER_ERROR)
        if params.get("price_type", "latest_price") != "latest_price":
            raise CoinExRefusal(PARAMETER_ERROR)
        spec, numbers = self.hub.markets[name], self.hub.numbers[name]
        self.fanout.sync(spec.symbol)
        minutes = period // 60
        base = max(m for m in CANDLE_INTERVALS if minutes % m == 0)
        candles = list(self.market[spec.symbol].candles[base].candles)
        if base != minutes:
            candles = aggregate(candles, minutes)
        places = numbers.price_precision + numbers.qty_precision
        return [
            {
                "market": name,
                "created_at": frames.ms(c.begin_ns),
                "open": numbers.price(c.open),
                "close": numbers.price(c.close),
                "high": numbers.price(c.high),
                "low": numbers.price(c.low),
                "volume": numbers.amount(c.volume),
                "value": money(from_units(c.notional, places), numbers.quote_precision),
            }
            for c in candles[-limit:]
        ]


def _int(text: str) -> int:
    if not text.isdigit():
        raise CoinExRefusal(PARAMETER_ERROR)
    return int(text)
