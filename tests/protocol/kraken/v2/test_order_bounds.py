"""Sane bounds checked before anything is sent (issue 11): quantities and prices of absurd
size or precision, and an ``order_userref`` outside Kraken's signed 32-bit range, on both
WebSocket versions (v1 runs v2's checks)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from spotstream.errors import InvalidRequestError
from spotstream.models.enums import OrderSide, OrderType
from spotstream.models.orders import OrderRequest
from spotstream.protocol.kraken.v2.orders import validate_order


def limit(quantity: str = "1", price: str = "100", user_ref: int | None = None) -> OrderRequest:
    return OrderRequest(
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=Decimal(quantity),
        limit_price=Decimal(price),
        user_ref=user_ref,
    )


@pytest.mark.parametrize(
    ("order", "why"),
    [
        (limit(quantity="1000000000000000"), "whole digits"),
        (limit(price="1E+20"), "whole digits"),
        (limit(quantity="0.0000000000000000001"), "decimals"),
        (limit(price="1.0000000000000000001"), "decimals"),
        (limit(user_ref=2**31), "order_userref"),
        (limit(user_ref=-(2**31) - 1), "order_userref"),
    ],
)
def test_absurd_orders_are_refused_locally(order: OrderRequest, why: str) -> None:
    with pytest.raises(InvalidRequestError, match=why):
        validate_order(order, None)


@pytest.mark.parametrize(
    "order",
    [
        limit(quantity="999999999999999", price="0.000000000000000001"),
        limit(user_ref=2**31 - 1),
        limit(user_ref=-(2**31)),
        limit(quantity="1.500000000000000000000"),  # trailing zeros are no precision
    ],
)
def test_orders_at_the_bounds_pass(order: OrderRequest) -> None:
    validate_order(order, None)
