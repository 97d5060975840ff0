"""CoinEx v2 socket messages the simulator sends, from the protocol's wire Structs.

Every function returns the JSON of one message; :func:`frame` gzips it into the binary
websocket frame CoinEx sends for every message (answers included, spec A1).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from spotstream.protocol.coinex.v2 import wire
from spotstream.simulator.framing import gzip_frame
from spotstream.simulator.market.state import SymbolMarket
from spotstream.simulator.market.stats import TapeTrade
from spotstream.simulator.matching.accounts import from_units
from spotstream.simulator.venues.coinex.markets import ENCODER, MarketNumbers, money

OK = "OK"
NS_PER_MS = 1_000_000

# error codes and texts (spec A2)
INVALID_ARGUMENT = (20001, "invalid argument")
METHOD_NOT_FOUND = (20002, "method not found")
REQUIRE_AUTH = (21001, "require auth")
SIGNATURE_INCORRECT = (21002, "Signature Incorrect")
TOO_MANY_REQUESTS = (23002, "too many requests")


class _Answer(msgspec.Struct, omit_defaults=True):
    id: int | None
    code: int
    message: str
    data: Any = None


def frame(payload: bytes) -> bytes:
    return gzip_frame(payload)


def ok(request_id: int | None, data: Any = None) -> bytes:
    return ENCODER.encode(_Answer(request_id, 0, OK, data))


def error(request_id: int | None, code: tuple[int, str]) -> bytes:
    return ENCODER.encode(_Answer(request_id, code[0], code[1]))


def ms(ns: int) -> int:
    return ns // NS_PER_MS


def state(entries: Iterable[wire.MarketState]) -> bytes:
    return ENCODER.encode(wire.StateUpdate(data=wire.StateData(list(entries))))


def market_state(
    name: str, market: SymbolMarket, numbers: MarketNumbers, taker_buy: int
) -> wire.MarketState:
    """One market's 24-hour ticker; ``taker_buy``: the window's volume bought by takers."""
    ticker = market.ticker
    price = numbers.price
    value = from_units(ticker.notional, numbers.price_precision + numbers.qty_precision)
    return wire.MarketState(
        market=name,
        last=price(ticker.last),
        open=price(ticker.open),
        close=price(ticker.last),
        high=price(ticker.high),
        low=price(ticker.low),
        volume=numbers.amount(ticker.volume),
        value=money(value, numbers.quote_precision),
        volume_sell=numbers.amount(max(0, ticker.volume - taker_buy)),
        volume_buy=numbers.amount(min(taker_buy, ticker.volume)),
        period=86400,
    )


def deals(name: str, trades: Iterable[TapeTrade], numbers: MarketNumbers) -> bytes:
    """``deals.update`` of ``trades`` (given oldest first; sent newest first)."""
    listed = [
        wire.Deal(
            deal_id=trade.trade_id,
            created_at=ms(trade.time_ns),
            side=trade.side,
            price=numbers.price(trade.price),
            amount=numbers.amount(trade.qty),
        )
        for trade in reversed(list(trades))
    ]
    return ENCODER.encode(wire.DealsUpdate(data=wire.DealsData(name, listed)))


def bbo(name: str, market: SymbolMarket, numbers: MarketNumbers, now_ns: int) -> bytes:
    bid, bid_qty = market.bids.best() or (0, 0)
    ask, ask_qty = market.asks.best() or (0, 0)
    data = wire.BboData(
        market=name,
        updated_at=ms(now_ns),
        best_bid_price=numbers.price(bid),
        best_bid_size=numbers.amount(bid_qty),
        best_ask_price=numbers.price(ask),
        best_ask_size=numbers.amount(ask_qty),
    )
    return ENCODER.encode(wire.BboUpdate(data=data))


def index_price(market: SymbolMarket) -> int:
    """The simulated index: the mid price (rounded down to the grid), else the last trade."""
    bid, ask = market.bids.best(), market.asks.best()
    if bid is None or ask is None:
        return market.ticker.last
    return (bid[0] + ask[0]) // 2


def index(name: str, price: int, numbers: MarketNumbers) -> bytes:
    """``index.update`` (spot: no ``mark_price``, which only futures send)."""
    data = wire.IndexData(name, numbers.price(price))
    return ENCODER.encode(wire.IndexUpdate(data=data))


Maintenance = wire.MaintenanceWindow
"""One maintenance window, as ``notice.update`` and ``/v2/maintain/info`` list them."""


def notice(windows: list[Maintenance]) -> bytes:
    """``notice.update``: the windows under ``maintenance_list`` (the layout is
    UNCONFIRMED; the client reads a bare list too)."""
    return ENCODER.encode(wire.NoticeUpdate(data={"maintenance_list": windows}))
