"""Reading the array ``params`` of CoinEx v1 requests (spec B3-B5); anything else: code 1.

Decisions (UNCONFIRMED where the v1 docs are silent):

- a depth ``limit`` is one of v2's (5, 10, 20, 50) and an ``interval`` one of v2's merge
  strings ("0", "0.00000001" ... "0.1", "1", "10", ...); ``diff`` is optional (default true);
- ``order.query`` takes ``[market, offset, limit]`` (viabtc) and ``[market, side, offset,
  limit]`` (CoinEx.Net: side 0 either, 1 sell, 2 buy); ``limit`` 1 to 100;
- ``deals.query`` ``limit`` 1 to 100 (the simulator keeps the last 50 trades of a market);
- ``state.query`` takes any period from 1 s to 30 days but the simulator keeps one
  24-hour window, which it reports (with the period asked for).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from spotstream.simulator.venues.coinex.depth_groups import DepthKey
from spotstream.simulator.venues.coinex.v1.klines import INTERVALS as KLINE_INTERVALS
from spotstream.simulator.venues.coinex.v2.depth import INTERVALS, LIMITS

MAX_PERIOD = 30 * 86400
MAX_LIMIT = 100


class ParamsError(Exception):
    """The request's params are not valid (code 1)."""


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def integer(value: object, low: int, high: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ParamsError
    if value < low or (high is not None and value > high):
        raise ParamsError
    return value


def market(value: object, markets: dict[str, Any]) -> str:
    if not isinstance(value, str) or value not in markets:
        raise ParamsError
    return value


def names(params: list[Any], known: Collection[str]) -> frozenset[str]:
    """A list of names, each one of ``known`` (an empty list: none, meaning all)."""
    if not all(isinstance(n, str) and n in known for n in params):
        raise ParamsError
    return frozenset(params)


def depth(entry: object, markets: dict[str, Any]) -> tuple[DepthKey, bool]:
    """``[market, limit, interval, diff?]`` -> the depth key and whether every push is full."""
    if not isinstance(entry, list) or len(entry) not in (3, 4):
        raise ParamsError
    name = market(entry[0], markets)
    limit, interval = entry[1], entry[2]
    diff = entry[3] if len(entry) == 4 else True
    if not is_int(limit) or limit not in LIMITS or interval not in INTERVALS:
        raise ParamsError
    if not isinstance(diff, bool):
        raise ParamsError
    return (name, limit, interval), not diff


def state_query(params: list[Any], markets: dict[str, Any]) -> tuple[str, int]:
    if len(params) != 2:
        raise ParamsError
    return market(params[0], markets), integer(params[1], 1, MAX_PERIOD)


def depth_query(params: list[Any], markets: dict[str, Any]) -> DepthKey:
    if len(params) != 3:
        raise ParamsError
    key, _ = depth(params, markets)
    return key


def deals_query(params: list[Any], markets: dict[str, Any]) -> tuple[str, int, int]:
    if len(params) != 3:
        raise ParamsError
    return market(params[0], markets), integer(params[1], 1, MAX_LIMIT), integer(params[2], 0)


def kline_query(params: list[Any], markets: dict[str, Any]) -> tuple[str, int, int, int]:
    if len(params) != 4:
        raise ParamsError
    name = market(params[0], markets)
    start, end = integer(params[1], 0), integer(params[2], 0)
    interval = kline_interval(params[3])
    if start > end:
        raise ParamsError
    return name, start, end, interval


def kline_interval(value: object) -> int:
    interval = integer(value, 1)
    if interval not in KLINE_INTERVALS:
        raise ParamsError
    return interval


def order_query(params: list[Any], markets: dict[str, Any]) -> tuple[str, int, int, int]:
    """``[market, offset, limit]`` or ``[market, side, offset, limit]`` -> market, side,
    offset, limit."""
    if len(params) == 3:
        name, offset, limit = params
        side: object = 0
    elif len(params) == 4:
        name, side, offset, limit = params
    else:
        raise ParamsError
    return (
        market(name, markets),
        integer(side, 0, 2),
        integer(offset, 0),
        integer(limit, 1, MAX_LIMIT),
    )


def sign(params: list[Any]) -> tuple[str, str, int]:
    """``[access_id, authorization, tonce]``."""
    if len(params) != 3:
        raise ParamsError
    access_id, authorization, tonce = params
    if not isinstance(access_id, str) or not isinstance(authorization, str):
        raise ParamsError
    return access_id, authorization, integer(tonce, 1)
