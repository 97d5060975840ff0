"""The market on its own: deterministic per seed, deep, consistent books and trades."""

from __future__ import annotations

from spotstream.simulator.market.state import Market, MarketStep
from spotstream.simulator.market.stats import NS_PER_MINUTE

NOW = 1_700_000_000_000_000_000


def _steps(seed: int, symbol: str, count: int) -> list[MarketStep]:
    market = Market(seed, NOW)
    return [market.step(symbol, NOW + n * 1_000_000) for n in range(count)]


def test_same_seed_same_events_different_seed_different() -> None:
    first, again, other = (_steps(s, "ETH/USD", 300) for s in (5, 5, 6))
    assert first == again
    assert first != other


def test_symbols_do_not_depend_on_each_other() -> None:
    alone = Market(5, NOW)
    mixed = Market(5, NOW)
    for n in range(200):
        mixed.step("BTC/USD", NOW + n)
        assert mixed.step("XRP/USD", NOW + n) == alone.step("XRP/USD", NOW + n)


def test_books_stay_deep_sorted_and_uncrossed() -> None:
    market = Market(1, NOW)
    for symbol, sm in market.symbols.items():
        for n in range(3000):
            market.step(symbol, NOW + n)
        for side in (sm.bids, sm.asks):
            assert len(side) >= 1300, symbol  # depth-1000 windows stay full
            assert side.keys == sorted(side.keys)
            assert set(side.keys) == set(side.qty)
            assert min(side.qty.values()) >= sm.qty_min
            assert all(key % sm.tick == 0 for key in side.keys)
        (bid, _), (ask, _) = sm.bids.levels(1)[0], sm.asks.levels(1)[0]
        assert 0 < bid < ask


def test_precisions_of_the_default_pairs() -> None:
    market = Market(1, NOW)
    precisions = {s: (i.price_precision, i.qty_precision) for s, i in market.instruments.items()}
    assert precisions["BTC/USD"] == (1, 8)
    assert precisions["ETH/USD"] == (2, 8)
    assert precisions["XRP/USD"] == (5, 8)
    assert precisions["DOGE/USD"] == (7, 8)


def test_trades_consume_the_touch() -> None:
    market = Market(2, NOW)
    sm = market["BTC/USD"]
    traded = 0
    for n in range(3000):
        before = {"bids": dict(sm.bids.levels(5)), "asks": dict(sm.asks.levels(5))}
        ids = sm.tape.next_id
        step = market.step("BTC/USD", NOW + n)
        if not step.trades:
            continue
        traded += 1
        side = "bids" if step.trades[0].side == "sell" else "asks"
        after = dict(getattr(step, side))
        for trade in step.trades:
            assert trade.trade_id == ids
            ids += 1
            assert after[trade.price] == before[side][trade.price] - trade.qty
        best = max(before[side]) if side == "bids" else min(before[side])
        assert step.trades[0].price == best
    assert traded > 100


def test_candles_and_ticker_follow_trades() -> None:
    market = Market(3, NOW)
    sm = market["ETH/USD"]
    volume = sm.ticker.volume
    traded = 0
    for n in range(2000):
        step = market.step("ETH/USD", NOW + n * 100_000_000)  # 10 steps a second
        for trade in step.trades:
            traded += trade.qty
            for minutes, series in sm.candles.items():
                candle = series.candles[-1]
                assert candle.begin_ns <= trade.time_ns < candle.begin_ns + minutes * NS_PER_MINUTE
                assert candle.low <= trade.price <= candle.high
                assert candle.close == step.trades[-1].price
    assert sm.ticker.volume == volume + traded
    assert sm.ticker.last == sm.tape.recent[-1].price
    assert len(sm.candles[1].candles) > 60  # history plus minutes of trading


def test_a_limit_taker_rests_what_the_touch_could_not_fill() -> None:
    """One event then changes both sides: the touch consumed, the rest a new best level."""
    market = Market(4, NOW)
    sm = market["ETH/USD"]
    rested = 0
    for n in range(5000):
        best_ask = sm.asks.levels(1)[0][0]
        step = market.step("ETH/USD", NOW + n)
        if step.trades and step.bids and step.asks:
            (trade,) = step.trades  # a limit order takes the best price only
            assert trade.ord_type == "limit"
            assert trade.side == ("buy" if trade.price == best_ask else "sell")
            mine = step.bids if trade.side == "buy" else step.asks
            own = sm.bids if trade.side == "buy" else sm.asks
            assert own.levels(1)[0] == mine[-1]  # the remainder is the new best level
            assert mine[-1][0] == trade.price
            rested += 1
        assert sm.bids.levels(1)[0][0] < sm.asks.levels(1)[0][0]
    assert rested > 10
