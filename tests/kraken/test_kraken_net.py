"""Kraken.Net's PlaceOrderAsync arguments read into OrderRequest (one price, one secondary
price, meaning by order type)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from spotstream.errors import InvalidRequestError
from spotstream.kraken.kraken_net import kraken_net_order
from spotstream.models.enums import (
    LimitPriceType,
    OrderSide,
    OrderType,
    TimeInForce,
    TriggerPriceType,
)
from spotstream.models.orders import ConditionalClose

P, S = Decimal("100"), Decimal("99")


def order(order_type: str, **kwargs: Any) -> Any:
    fields: dict[str, Any] = {
        "client_order_id": None,
        "price": None,
        "secondary_price": None,
        "start_time": None,
        "expire_time": None,
        "close_order_type": None,
        "close_price": None,
        "secondary_close_price": None,
        "options": {},
    }
    fields.update(kwargs)
    return kraken_net_order(order_type, "buy", Decimal("1"), **fields)


@pytest.mark.parametrize(
    ("order_type", "prices", "expected"),
    [
        ("limit", (P, None), {"limit_price": P}),
        ("market", (None, None), {}),
        ("stop-loss", (P, None), {"trigger_price": P}),
        ("take-profit", (P, None), {"trigger_price": P}),
        ("stop-loss-limit", (P, S), {"trigger_price": P, "limit_price": S}),
        ("take-profit-limit", (P, S), {"trigger_price": P, "limit_price": S}),
        (
            "trailing-stop",
            (P, None),
            {"trigger_price": P, "trigger_price_type": TriggerPriceType.QUOTE},
        ),
        (
            "trailing-stop-limit",
            (P, S),
            {
                "trigger_price": P,
                "trigger_price_type": TriggerPriceType.QUOTE,
                "limit_price": S,
                "limit_price_type": LimitPriceType.QUOTE,
            },
        ),
    ],
)
def test_price_and_secondary_price_read_by_type(
    order_type: str, prices: tuple[Decimal | None, Decimal | None], expected: dict[str, Any]
) -> None:
    request = order(order_type, price=prices[0], secondary_price=prices[1])
    assert request.order_type == OrderType(order_type)
    assert request.side is OrderSide.BUY
    for name in ("limit_price", "trigger_price", "trigger_price_type", "limit_price_type"):
        assert getattr(request, name) == expected.get(name), name


def test_client_order_id_times_and_close() -> None:
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    request = order(
        "limit",
        price=P,
        client_order_id=42,
        start_time=start,
        expire_time=end,
        close_order_type="stop-loss-limit",
        close_price=Decimal("90"),
        secondary_close_price=Decimal("89"),
    )
    assert (request.user_ref, request.client_order_id) == (42, None)
    assert (request.effective_time, request.expire_time) == (start, end)
    assert request.time_in_force is TimeInForce.GTD  # an expiry time means good till then
    assert request.conditional == ConditionalClose(
        order_type=OrderType.STOP_LOSS_LIMIT,
        trigger_price=Decimal("90"),
        limit_price=Decimal("89"),
    )
    assert order("limit", price=P, client_order_id="my-id").client_order_id == "my-id"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"price": P},  # a market order has no price
        {"secondary_price": S},
        {"close_price": P},  # a close price without a close order type
        {"client_order_id": True},
    ],
)
def test_what_does_not_fit_is_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestError):
        order("market", **kwargs)


def test_a_float_price_is_refused() -> None:
    with pytest.raises(InvalidRequestError):
        order("limit", price=100.5)
