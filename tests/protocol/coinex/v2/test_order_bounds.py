"""Sane bounds checked before anything is sent (issue 11), for CoinEx's one order builder
(REST v2's ``POST /v2/spot/order``, which the v1 and v2 clients both place orders with):
an amount or price of 10^15 or more, or of more than 18 decimals, or not a Decimal at all,
is refused with :class:`InvalidRequestError`, the same bounds as Kraken's
(tests/protocol/kraken/v2/test_order_bounds.py)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from spotstream.errors import InvalidRequestError
from spotstream.protocol.coinex.v2.rest import order_body


def body(amount: object = Decimal("1"), price: object = Decimal("100")) -> bytes:
    return order_body("BTCUSDT", "buy", "limit", amount, price)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "price", "why"),
    [
        (Decimal("1000000000000000"), Decimal("100"), "whole digits"),
        (Decimal("1"), Decimal("1E+20"), "whole digits"),
        (Decimal("0.0000000000000000001"), Decimal("100"), "decimals"),
        (Decimal("1"), Decimal("1.0000000000000000001"), "decimals"),
        (Decimal("1E-999"), Decimal("100"), "decimals"),
        (1.5, Decimal("100"), "Decimal"),  # a float never touches an amount
        (Decimal("1"), "100", "Decimal"),
        (Decimal("NaN"), Decimal("100"), "Decimal"),
        (Decimal("-1"), Decimal("100"), "Decimal"),
    ],
)
def test_absurd_orders_are_refused_locally(amount: object, price: object, why: str) -> None:
    with pytest.raises(InvalidRequestError, match=why):
        body(amount, price)


@pytest.mark.parametrize(
    ("amount", "price"),
    [
        (Decimal("999999999999999"), Decimal("0.000000000000000001")),
        (Decimal("1.500000000000000000000"), Decimal("100")),  # trailing zeros: no precision
    ],
)
def test_orders_at_the_bounds_pass(amount: Decimal, price: Decimal) -> None:
    sent = json.loads(body(amount, price))
    assert Decimal(sent["amount"]) == amount
    assert Decimal(sent["price"]) == price


def test_a_market_order_amount_is_bounded_too() -> None:
    with pytest.raises(InvalidRequestError, match="whole digits"):
        order_body("BTCUSDT", "buy", "market", Decimal(10**15))
