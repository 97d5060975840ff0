"""Builders of Kraken v2 server frames for protocol tests, shaped like the spec's examples."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from helpers.captures import dumps_exact
from spotstream.models.market import Instrument

TIME = "2023-10-06T17:35:55.440295Z"


def pair(symbol: str, price_precision: int, qty_precision: int) -> dict[str, Any]:
    base, quote = symbol.split("/")
    return {
        "symbol": symbol,
        "base": base,
        "quote": quote,
        "status": "online",
        "qty_precision": qty_precision,
        "qty_increment": Decimal(1).scaleb(-qty_precision),
        "price_precision": price_precision,
        "price_increment": Decimal(1).scaleb(-price_precision),
        "qty_min": Decimal("0.0001"),
        "cost_precision": 5,
        "cost_min": Decimal("0.5"),
        "marginable": False,
        "has_index": True,
    }


PAIRS = {
    "BTC/USD": pair("BTC/USD", 1, 8),
    "ETH/USD": pair("ETH/USD", 2, 8),
    "MATIC/USD": pair("MATIC/USD", 4, 8),
}


BTC_USD = Instrument(
    symbol="BTC/USD",
    base="BTC",
    quote="USD",
    status="online",
    price_precision=1,
    qty_precision=8,
    price_increment=Decimal("0.1"),
    qty_increment=Decimal("0.00000001"),
    qty_min=Decimal("0.0001"),
)
"""The typed instrument of ``PAIRS["BTC/USD"]``'s precisions."""


def instrument_snapshot(*symbols: str) -> bytes:
    pairs = [PAIRS[s] for s in symbols or PAIRS]
    return dumps_exact(
        {"channel": "instrument", "type": "snapshot", "data": {"assets": [], "pairs": pairs}}
    )


def ack(
    req_id: int, channel: str, symbol: str | None = None, method: str = "subscribe", **options: Any
) -> bytes:
    result: dict[str, Any] = {"channel": channel, **options}
    if symbol is not None:
        result["symbol"] = symbol
    return dumps_exact(
        {
            "method": method,
            "req_id": req_id,
            "result": result,
            "success": True,
            "time_in": TIME,
            "time_out": TIME,
        }
    )


def reject(
    req_id: int, error: str, *, symbol: str | None = None, method: str = "subscribe"
) -> bytes:
    message: dict[str, Any] = {"error": error, "method": method, "req_id": req_id}
    message["success"] = False
    if symbol is not None:
        message["symbol"] = symbol
    message |= {"time_in": TIME, "time_out": TIME}
    return dumps_exact(message)


def pong(req_id: int) -> bytes:
    return dumps_exact({"method": "pong", "req_id": req_id, "time_in": TIME, "time_out": TIME})


def levels(pairs: Iterable[tuple[str, str]]) -> list[dict[str, Decimal]]:
    return [{"price": Decimal(p), "qty": Decimal(q)} for p, q in pairs]


def book(
    kind: str,
    symbol: str,
    bids: Iterable[tuple[str, str]],
    asks: Iterable[tuple[str, str]],
    checksum: int,
) -> bytes:
    item = {
        "symbol": symbol,
        "bids": levels(bids),
        "asks": levels(asks),
        "checksum": checksum,
        "timestamp": TIME,
    }
    return dumps_exact({"channel": "book", "type": kind, "data": [item]})


def ticker(symbol: str, last: str = "100.5") -> bytes:
    price = Decimal(last)
    item = {
        "symbol": symbol,
        **{k: price for k in ("bid", "ask", "last", "vwap", "low", "high")},
        **{k: Decimal("1.5") for k in ("bid_qty", "ask_qty", "volume")},
        "change": Decimal("0.1"),
        "change_pct": Decimal("0.1"),
        "timestamp": TIME,
    }
    return dumps_exact({"channel": "ticker", "type": "update", "data": [item]})
