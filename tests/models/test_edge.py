"""The enums and the edge conversion: exact values become members once; nothing else passes."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

import msgspec
import pytest

import spotstream
from spotstream import models
from spotstream.errors import InvalidRequestError
from spotstream.models import enums
from spotstream.models.edge import to_decimal, to_enum
from spotstream.models.enums import (
    FeePreference,
    LimitPriceType,
    OrderSide,
    OrderType,
    TimeInForce,
    TriggerPriceType,
)
from spotstream.models.market import BookLevel, BookSnapshot, BookStatus
from spotstream.models.orders import ConditionalClose, OrderRequest

ENUMS = [
    v
    for v in vars(enums).values()
    if isinstance(v, type) and issubclass(v, StrEnum) and v.__module__ == enums.__name__
]


def test_every_enum_is_exported_by_models_and_spotstream() -> None:
    assert {e.__name__ for e in ENUMS} >= {
        "OrderSide", "OrderType", "TimeInForce", "TriggerReference", "TriggerPriceType",
        "LimitPriceType", "FeePreference", "StpType", "BookStatus", "SystemState", "EventKind",
        "LifecycleKind", "ReconcileReason", "Channel",
    }  # fmt: skip
    for kind in ENUMS:
        assert getattr(models, kind.__name__) is kind
        assert getattr(spotstream, kind.__name__) is kind
        assert kind.__name__ in spotstream.__all__


@pytest.mark.parametrize("kind", ENUMS, ids=lambda k: k.__name__)
def test_exact_values_become_members(kind: type[StrEnum]) -> None:
    for member in kind:
        converted = to_enum(kind, member.value, "x")
        assert converted is member
        assert type(converted) is kind
        assert to_enum(kind, member, "x") is member


@pytest.mark.parametrize("kind", ENUMS, ids=lambda k: k.__name__)
def test_case_variants_and_other_types_are_refused(kind: type[StrEnum]) -> None:
    for member in kind:
        for variant in {member.value.upper(), member.value.title(), f" {member.value}"}:
            if variant != member.value:
                with pytest.raises(InvalidRequestError, match="must be one of"):
                    to_enum(kind, variant, "x")
    for bad in (None, 1, 1.5, b"buy", ["buy"]):
        with pytest.raises(InvalidRequestError, match="x must be one of"):
            to_enum(kind, bad, "x")


def test_a_member_of_another_enum_is_refused_even_with_the_same_value() -> None:
    assert FeePreference.QUOTE == LimitPriceType.QUOTE == "quote"
    with pytest.raises(InvalidRequestError, match="limit_price_type"):
        to_enum(LimitPriceType, FeePreference.QUOTE, "limit_price_type")
    with pytest.raises(InvalidRequestError, match="trigger_price_type"):
        to_enum(TriggerPriceType, LimitPriceType.PCT, "trigger_price_type")
    with pytest.raises(InvalidRequestError, match="order_type"):
        to_enum(OrderType, OrderSide.BUY, "order_type")


def test_money_is_a_finite_decimal_only() -> None:
    assert to_decimal(Decimal("0.1"), "q") == Decimal("0.1")
    for bad in (0.1, 1, "0.1", True, Decimal("NaN"), Decimal("Infinity"), None):
        with pytest.raises(InvalidRequestError, match="q must be a finite Decimal"):
            to_decimal(bad, "q")


# --- OrderRequest: converted as it is built -----------------------------------------------------

BASE: dict[str, Any] = {"side": "buy", "order_type": "limit", "quantity": Decimal("1")}


def test_order_request_turns_exact_values_into_members() -> None:
    order = OrderRequest(**BASE, time_in_force="gtc", limit_price=Decimal("2"))
    assert order.side is OrderSide.BUY
    assert order.order_type is OrderType.LIMIT
    assert order.time_in_force is TimeInForce.GTC
    assert order == OrderRequest(
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=Decimal("1"),
        time_in_force=TimeInForce.GTC,
        limit_price=Decimal("2"),
    )
    close = ConditionalClose(order_type="stop-loss", trigger_price_type="pct")
    assert close.order_type is OrderType.STOP_LOSS
    assert close.trigger_price_type is TriggerPriceType.PCT


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"side": "BUY"}, "side must be one of buy, sell, not 'BUY'"),
        ({"side": "Buy"}, "side"),
        ({"order_type": "LIMIT"}, "order_type"),
        ({"side": OrderType.LIMIT, "order_type": OrderSide.BUY}, "side"),  # swapped
        ({"quantity": 0.1}, "quantity must be a finite Decimal, not 0.1"),
        ({"quantity": "1"}, "quantity"),
        ({"limit_price": 30000.5}, "limit_price"),
        ({"trigger_price": 1}, "trigger_price"),
        ({"time_in_force": "GTC"}, "time_in_force"),
        ({"limit_price_type": FeePreference.QUOTE}, "limit_price_type"),
        ({"post_only": 1}, "post_only must be bool"),
        ({"user_ref": True}, "user_ref must be int"),
        ({"user_ref": "7"}, "user_ref must be int"),
        ({"client_order_id": 7}, "client_order_id must be str"),
        ({"conditional": {"order_type": "limit"}}, "conditional must be ConditionalClose"),
    ],
)
def test_order_request_refuses_anything_else(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message.replace("(", r"\(")):
        OrderRequest(**{**BASE, **changes})


def test_conditional_close_and_replace_convert_too() -> None:
    with pytest.raises(InvalidRequestError, match="limit_price_type"):
        ConditionalClose(order_type="limit", limit_price_type="STATIC")
    order = OrderRequest(**BASE)
    assert msgspec.structs.replace(order, side="sell").side is OrderSide.SELL
    with pytest.raises(InvalidRequestError):
        msgspec.structs.replace(order, side="SELL")


# --- book helpers never take the other side ------------------------------------------------------

BOOK = BookSnapshot(
    "BTC/USD",
    bids=(BookLevel(Decimal("99"), Decimal("1")), BookLevel(Decimal("98"), Decimal("1"))),
    asks=(BookLevel(Decimal("101"), Decimal("1")), BookLevel(Decimal("102"), Decimal("1"))),
    checksum=0,
    status=BookStatus.SYNCED,
    sequence=0,
)


def test_average_fill_price_takes_the_side_it_is_given() -> None:
    for side in (OrderSide.BUY, "buy"):
        assert BOOK.average_fill_price(Decimal("2"), side) == Decimal("101.5")  # the asks
    for side in (OrderSide.SELL, "sell"):
        assert BOOK.average_fill_price(Decimal("2"), side) == Decimal("98.5")  # the bids
    assert BOOK.average_fill_price(Decimal("3"), "buy") is None


def test_tradable_amount_takes_the_side_it_is_given() -> None:
    for side in (OrderSide.BUY, "buy"):
        assert BOOK.tradable_amount(Decimal("202"), side) == Decimal("1") + Decimal(101) / 102
    for side in (OrderSide.SELL, "sell"):
        assert BOOK.tradable_amount(Decimal("99"), side) == Decimal("1")


@pytest.mark.parametrize("side", ["BUY", "Buy", "bid", "ask", None, OrderType.LIMIT])
def test_book_helpers_refuse_what_is_not_a_side(side: Any) -> None:
    with pytest.raises(InvalidRequestError, match="side"):
        BOOK.average_fill_price(Decimal("1"), side)
    with pytest.raises(InvalidRequestError, match="side"):
        BOOK.tradable_amount(Decimal("1"), side)


def test_book_helpers_refuse_floats_and_non_positive_quantities() -> None:
    with pytest.raises(InvalidRequestError, match="quantity"):
        BOOK.average_fill_price(1.5, "buy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        BOOK.average_fill_price(Decimal("0"), "buy")
    with pytest.raises(InvalidRequestError, match="quote_quantity"):
        BOOK.tradable_amount(100.0, "sell")  # type: ignore[arg-type]
