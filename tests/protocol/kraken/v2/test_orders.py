"""Trading requests: local validation (nothing sent on bad input) and the exact wire JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any, get_args, get_type_hints

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.kraken_v2 import BTC_USD
from spotstream.errors import InvalidRequestError
from spotstream.models.edge import field_type
from spotstream.models.enums import (
    CONDITIONAL_ORDER_TYPES,
    LimitPriceType,
    OrderSide,
    OrderType,
    TriggerPriceType,
)
from spotstream.models.orders import ConditionalClose, OrderRequest
from spotstream.protocol.kraken.v2 import orders, trading_params, wire
from spotstream.protocol.kraken.v2 import trading_wire as tw
from spotstream.protocol.kraken.v2.trading_wire import PrivateRequest
from spotstream.simulator.venues.kraken.v2 import private_params


def limit(**changes: Any) -> OrderRequest:
    fields: dict[str, Any] = {
        "side": "buy",
        "order_type": "limit",
        "quantity": Decimal("1.2"),
        "limit_price": Decimal("26500.4"),
    }
    return OrderRequest(**{**fields, **changes})


def encoded(method: str, params: Any) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(wire.ENCODER.encode(PrivateRequest(method, params, 1)))
    return decoded


def test_add_order_encodes_the_spec_example_exactly() -> None:
    order = limit(user_ref=100054)
    params = orders.add_order_params(
        order, "BTC/USD", "G38a1", pair=BTC_USD, deadline=None, validate=False
    )
    raw = wire.ENCODER.encode(PrivateRequest("add_order", params, 123456789))
    assert raw == (
        b'{"method":"add_order","params":{"order_type":"limit","side":"buy","order_qty":1.2,'
        b'"limit_price":26500.4,"order_userref":100054,"symbol":"BTC/USD","token":"G38a1"},'
        b'"req_id":123456789}'
    )


def test_triggers_conditional_and_times_are_encoded() -> None:
    order = OrderRequest(
        side="sell",
        order_type="stop-loss-limit",
        quantity=Decimal("100"),
        limit_price=Decimal("0.5"),
        trigger_price=Decimal("-2.0"),
        trigger_reference="last",
        trigger_price_type="pct",
        time_in_force="gtd",
        expire_time=datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        conditional=ConditionalClose(order_type="limit", limit_price=Decimal("0.6")),
    )
    params = orders.add_order_params(order, "X/USD", "T", pair=None, deadline=None, validate=True)
    sent = encoded("add_order", params)["params"]
    assert sent["triggers"] == {"price": -2.0, "reference": "last", "price_type": "pct"}
    assert sent["expire_time"] == "2030-01-02T03:04:05Z"  # whole seconds, as Kraken wants
    assert sent["conditional"] == {"order_type": "limit", "limit_price": 0.6}
    assert sent["validate"] is True


# Built inside the test: a wrong type or enum value is refused as the request is built.
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"order_type": "teleport"}, "order_type"),
        ({"side": "hold"}, "side"),
        ({"quantity": Decimal("0")}, "order_qty"),
        ({"quantity": Decimal("0.000000001")}, "more than 8 decimals"),
        ({"limit_price": Decimal("26500.45")}, "more than 1 decimals"),
        ({"limit_price": None}, "need limit_price"),
        ({"order_type": "market"}, "take no limit_price"),
        ({"order_type": "stop-loss", "limit_price": None}, "need trigger_price"),
        ({"trigger_price": Decimal("1")}, "take no trigger_price"),
        ({"display_quantity": Decimal("1")}, "iceberg"),
        ({"order_type": "iceberg", "display_quantity": Decimal("0.01")}, "1/15"),
        ({"quote_quantity": Decimal("10")}, "market orders only"),
        ({"client_order_id": "a", "user_ref": 1}, "mutually exclusive"),
        ({"client_order_id": "x" * 19}, "cl_ord_id"),
        ({"time_in_force": "gtd"}, "expire_time"),
        ({"time_in_force": "fok"}, "time_in_force"),
        ({"stp_type": "cancel_all"}, "stp_type"),
        ({"order_type": "market", "limit_price": None, "post_only": True}, "post_only"),
        ({"conditional": {"order_type": "market"}}, "conditional"),
        ({"limit_price": Decimal("NaN")}, "finite"),
        ({"trigger_reference": "index"}, "need trigger_price"),
    ],
)
def test_bad_orders_are_rejected_before_sending(changes: dict[str, Any], message: str) -> None:
    if isinstance(changes.get("conditional"), dict):
        changes = {**changes, "conditional": ConditionalClose(**changes["conditional"])}
    with pytest.raises(InvalidRequestError, match=message):
        orders.validate_order(limit(**changes), BTC_USD)


def test_client_ids_in_kraken_formats_pass() -> None:
    for value in (
        "2c6be801-1f53-4f79-a0bb-4ea1c95dfae9",
        "2c6be8011f534f79a0bb4ea1c95dfae9",
        "my-bot-17",
    ):
        trading_params.check_client_id("cl_ord_id", value)


def test_batches_count_and_name_the_bad_order() -> None:
    with pytest.raises(InvalidRequestError, match="2 to 15"):
        orders.batch_add_params(
            [limit()], "BTC/USD", "T", pair=BTC_USD, deadline=None, validate=False
        )
    with pytest.raises(InvalidRequestError, match=r"order 1: .*order_qty"):
        orders.batch_add_params(
            [limit(), limit(quantity=Decimal("-1"))],
            "BTC/USD",
            "T",
            pair=BTC_USD,
            deadline=None,
            validate=False,
        )
    params = orders.batch_add_params(
        [limit(user_ref=1), limit(side="sell", stp_type="cancel_both")],
        "BTC/USD",
        "T",
        pair=BTC_USD,
        deadline=None,
        validate=False,
    )
    sent = encoded("batch_add", params)["params"]
    assert [o["side"] for o in sent["orders"]] == ["buy", "sell"]
    assert "symbol" not in sent["orders"][0]
    with pytest.raises(InvalidRequestError, match="2 to 50"):
        trading_params.batch_cancel_params("T", ["A"])
    assert encoded("batch_cancel", trading_params.batch_cancel_params("T", ["A", 7]))["params"] == {
        "token": "T",
        "orders": ["A", "7"],
    }


def test_cancel_counts_answers_and_cancel_after_bounds() -> None:
    params, expected = trading_params.cancel_order_params("T", ["A", "B"], ["c"], [5])
    assert expected == 4
    assert encoded("cancel_order", params)["params"]["order_userref"] == [5]
    with pytest.raises(InvalidRequestError):
        trading_params.cancel_order_params("T")
    for bad in (-1, 86_400, True, 1.5):
        with pytest.raises(InvalidRequestError):
            trading_params.cancel_after_params("T", bad)  # type: ignore[arg-type]
    assert trading_params.cancel_after_params("T", 0).timeout == 0


def test_deadline_window_and_millisecond_precision() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert trading_params.check_deadline(None, now) is None
    ok = trading_params.check_deadline(now + timedelta(seconds=5, microseconds=123456), now)
    assert ok is not None
    assert ok.microsecond == 123000
    for bad in (now + timedelta(milliseconds=100), now + timedelta(seconds=61)):
        with pytest.raises(InvalidRequestError, match="deadline"):
            trading_params.check_deadline(bad, now)
    with pytest.raises(InvalidRequestError, match="timezone"):
        trading_params.check_deadline(datetime(2030, 1, 1, 0, 0, 5), now)


def test_amend_and_edit_params() -> None:
    common: dict[str, Any] = {
        "order_qty": Decimal("1.2"),
        "display_qty": None,
        "limit_price": Decimal("490795"),
        "limit_price_type": None,
        "post_only": None,
        "trigger_price": None,
        "trigger_price_type": None,
        "deadline": None,
        "symbol": None,
        "pair": None,
    }
    with pytest.raises(InvalidRequestError, match="exactly one"):
        trading_params.amend_order_params("T", order_id="A", cl_ord_id="b", **common)
    params = trading_params.amend_order_params("T", order_id=None, cl_ord_id="c1", **common)
    assert encoded("amend_order", params)["params"] == {
        "order_qty": 1.2,
        "token": "T",
        "cl_ord_id": "c1",
        "limit_price": 490795,
    }
    edit = trading_params.edit_order_params(
        "T",
        order_id="O1",
        symbol="BTC/USD",
        order_qty=Decimal("0.2123456789"),
        limit_price=None,
        display_qty=None,
        post_only=None,
        reduce_only=None,
        trigger_price=None,
        trigger_reference=None,
        trigger_price_type=None,
        order_userref=None,
        fee_preference=None,
        deadline=None,
        validate=False,
        pair=None,
    )
    assert encoded("edit_order", edit)["params"] == {
        "order_id": "O1",
        "symbol": "BTC/USD",
        "token": "T",
        "order_qty": 0.2123456789,
    }


# --- derived from OrderRequest: the wire params, add_order's options, order files ---------------


def _field_values(kind: Any) -> st.SearchStrategy[Any]:
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return st.sampled_from(list(kind))
    if kind is Decimal:
        return st.decimals(allow_nan=False, allow_infinity=False, places=8, max_value=10**9)
    if kind is datetime:  # Kraken's precision: whole seconds (to_wire truncates)
        return st.datetimes(timezones=st.just(UTC)).map(lambda t: t.replace(microsecond=0))
    if kind is bool:
        return st.booleans()
    if kind is int:
        return st.integers(min_value=-(2**31), max_value=2**31 - 1)
    if kind is str:
        return st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=18)
    assert kind is ConditionalClose
    return st.builds(
        ConditionalClose,
        order_type=st.sampled_from(sorted(CONDITIONAL_ORDER_TYPES)),
        limit_price=st.none() | _field_values(Decimal),
        limit_price_type=st.none() | st.sampled_from(list(LimitPriceType)),
        trigger_price=st.none() | _field_values(Decimal),
        trigger_price_type=st.none() | st.sampled_from(list(TriggerPriceType)),
    )


@st.composite
def requests(draw: st.DrawFn) -> OrderRequest:
    """Any OrderRequest the wire can carry (valid or not: the derivation must not care), each
    field drawn by its declared type."""
    fields: dict[str, Any] = {}
    for field in msgspec.structs.fields(OrderRequest):
        kind, optional = field_type(field.type)
        values = _field_values(kind)
        fields[field.name] = draw(st.none() | values if optional else values)
    if fields["trigger_price"] is None:  # triggers without a price do not exist on the wire
        fields["trigger_reference"] = fields["trigger_price_type"] = None
    return OrderRequest(**fields)


@given(requests())
@settings(max_examples=200, deadline=None)
def test_from_wire_inverts_to_wire(request: OrderRequest) -> None:
    params = orders.to_wire(request, symbol="BTC/USD", token="T")
    assert orders.from_wire(params) == request
    assert orders.from_wire(orders.to_batch_order(request)) == request
    # and through the bytes, read the way the simulator's Kraken venue reads them
    frame = wire.ENCODER.encode(PrivateRequest("add_order", params, 1))
    raw = msgspec.json.decode(frame, type=dict[str, msgspec.Raw])  # no float on the way
    tree = private_params.parse(bytes(raw["params"]))
    assert orders.from_wire(private_params.convert("add_order", tree, tw.AddOrderParams)) == request


def test_to_wire_nests_triggers_and_renames_as_kraken_does() -> None:
    request = OrderRequest(
        side="sell",
        order_type="iceberg",
        quantity=Decimal("3"),
        limit_price=Decimal("10"),
        display_quantity=Decimal("1"),
        client_order_id="me",
        effective_time=datetime(2030, 1, 1, 1, 2, 3, 999999, tzinfo=timezone(timedelta(hours=1))),
    )
    sent = encoded("add_order", orders.to_wire(request, symbol="X/USD", token="T"))["params"]
    assert sent == {
        "order_type": "iceberg",
        "side": "sell",
        "order_qty": 3,
        "limit_price": 10,
        "effective_time": "2030-01-01T00:02:03Z",
        "display_qty": 1,
        "cl_ord_id": "me",
        "symbol": "X/USD",
        "token": "T",
    }


def test_from_wire_reads_the_deprecated_spellings() -> None:
    params = msgspec.convert(
        {
            "order_type": "stop-loss",
            "side": "buy",
            "order_qty": "1",
            "stop_price": "5",
            "trigger": "index",
            "conditional": {"order_type": "stop-loss", "stop_price": "4"},
            "no_mpp": True,
        },
        tw.BatchOrder,
    )
    request = orders.from_wire(params)
    assert (request.trigger_price, request.trigger_reference) == (Decimal(5), "index")
    assert request.conditional == ConditionalClose(order_type="stop-loss", trigger_price=Decimal(4))


def test_add_order_options_are_the_fields_under_krakens_names() -> None:
    option_fields = {
        orders.kraken_name(f) for f in OrderRequest.__struct_fields__ if f not in orders.POSITIONAL
    }
    assert orders.AddOrderOptions.__optional_keys__ == option_fields
    assert orders.OrderOptions.__optional_keys__ == option_fields - {"limit_price"}
    hints = get_type_hints(orders.AddOrderOptions)
    for field in msgspec.structs.fields(OrderRequest):
        if field.name not in orders.POSITIONAL:
            kind, _ = field_type(field.type)
            assert kind in get_args(hints[orders.kraken_name(field.name)]), field.name


def test_request_from_options_converts_at_the_edge() -> None:
    request = orders.request_from_options(
        "buy", "limit", Decimal("1"), {"limit_price": Decimal("2"), "cl_ord_id": "x"}
    )
    assert request == OrderRequest(
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=Decimal("1"),
        limit_price=Decimal("2"),
        client_order_id="x",
    )
    with pytest.raises(TypeError, match="client_order_id"):
        orders.request_from_options("buy", "limit", Decimal("1"), {"client_order_id": "x"})
    with pytest.raises(InvalidRequestError, match="side"):
        orders.request_from_options("BUY", "limit", Decimal("1"), {})
    with pytest.raises(InvalidRequestError, match="quantity"):
        orders.request_from_options("buy", "limit", 1.5, {})


def test_order_files_use_add_orders_names_and_refuse_unknown_fields() -> None:
    (order,) = orders.decode_orders(
        b'[{"side": "buy", "order_type": "limit", "order_qty": 0.1, "limit_price": "30000.1",'
        b' "cl_ord_id": "a", "trigger_price_type": "pct"}]'
    )
    assert order.quantity == Decimal("0.1")
    assert order.limit_price == Decimal("30000.1")
    assert order.client_order_id == "a"
    assert order.trigger_price_type is TriggerPriceType.PCT
    assert type(order) is OrderRequest
    for bad, message in (
        (
            b'[{"side": "buy", "order_type": "limit", "order_qty": 1, "limit_prise": 1}]',
            "limit_prise",
        ),
        (b'[{"side": "BUY", "order_type": "limit", "order_qty": 1}]', "side"),
        (b'[{"side": "buy", "order_type": "limit", "quantity": 1}]', "quantity"),
    ):
        with pytest.raises(InvalidRequestError, match=message):
            orders.decode_orders(bad)
