"""The user-facing L3 book: ``orders(side, price)`` reads the side it is given, or refuses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest

from spotstream.asyncio.order_book import L3OrderBook
from spotstream.book.l3 import VerifiedL3Book
from spotstream.errors import InvalidRequestError
from spotstream.models.enums import OrderSide, OrderType
from spotstream.protocol.kraken.checksum import kraken_l3_checksum


class Resting(msgspec.Struct):
    order_id: str
    limit_price: Decimal
    order_qty: Decimal


def book() -> L3OrderBook:
    async def closer(book: Any) -> None:
        return None

    verified = VerifiedL3Book("BTC/USD", 10, 1, 8, kraken_l3_checksum)
    bids = [
        Resting("B1", Decimal("100.0"), Decimal("1")),
        Resting("B2", Decimal("100.0"), Decimal("2")),
    ]
    asks = [Resting("A1", Decimal("100.0"), Decimal("0.5"))]  # the same price on both sides
    verified.apply_snapshot(bids, asks, None)
    l3 = L3OrderBook("BTC/USD", 10, closer, lambda coro: coro, lambda: 0.0)
    l3.attach(verified)
    return l3


def test_orders_reads_the_side_it_is_given() -> None:
    l3 = book()
    price = Decimal("100.0")
    for side in (OrderSide.BUY, "buy"):
        assert [o.order_id for o in l3.orders(side, price)] == ["B1", "B2"]
    for side in (OrderSide.SELL, "sell"):
        assert [o.order_id for o in l3.orders(side, price)] == ["A1"]


@pytest.mark.parametrize("side", ["BUY", "Sell", "bid", "ask", None, OrderType.LIMIT])
def test_orders_refuses_what_is_not_a_side(side: Any) -> None:
    with pytest.raises(InvalidRequestError, match="side"):
        book().orders(side, Decimal("100.0"))


def test_orders_refuses_a_float_price() -> None:
    with pytest.raises(InvalidRequestError, match="price"):
        book().orders("buy", 100.0)  # type: ignore[arg-type]
