"""CoinEx v1 klines from the market's candles: kept intervals served as they are, the others
merged from a shorter kept series, the open candle's row equal to the query's last."""

from __future__ import annotations

from decimal import Decimal

import pytest

from spotstream.simulator.market.state import Market
from spotstream.simulator.market.stats import NS_PER_MINUTE
from spotstream.simulator.venues.coinex.markets import MarketNumbers
from spotstream.simulator.venues.coinex.v1 import klines

NOW = 1_700_000_040 * 1_000_000_000  # 40 s into a minute, 3-minute bucket 1699999920


@pytest.fixture
def market() -> Market:
    return Market(5, NOW)


def test_a_3_minute_kline_merges_three_1_minute_candles(market: Market) -> None:
    btc = market["BTC/USDT"]
    series = btc.candles[1]
    minute = NOW - NOW % NS_PER_MINUTE
    for offset, price in ((-2, 6_500_000), (-1, 6_510_000), (0, 6_490_000)):
        series.add(price, 10_000, minute + offset * NS_PER_MINUTE + 1)
    (merged,) = klines.candles(btc, 180, last_only=True)
    ones = [c for c in series.candles if c.begin_ns >= merged.begin_ns]
    assert merged.begin_ns % (180 * 1_000_000_000) == 0
    assert merged.open == ones[0].open
    assert merged.close == ones[-1].close == 6_490_000
    assert merged.high == max(c.high for c in ones)
    assert merged.low == min(c.low for c in ones)
    assert merged.volume == sum(c.volume for c in ones)
    assert klines.candles(btc, 180)[-1] == merged


@pytest.mark.parametrize("interval", klines.INTERVALS)
def test_every_interval_rows_and_the_open_candle(market: Market, interval: int) -> None:
    btc = market["BTC/USDT"]
    numbers = MarketNumbers(btc.spec, 2)
    rows = klines.query(btc, numbers, "BTCUSDT", 0, NOW // 1_000_000_000, interval)
    assert rows
    assert all(row[0] % interval == 0 for row in rows)
    assert [row[0] for row in rows] == sorted({row[0] for row in rows})
    assert klines.current(btc, numbers, "BTCUSDT", interval) == rows[-1]
    assert all(Decimal(row[4]) <= Decimal(row[3]) for row in rows)  # low <= high
