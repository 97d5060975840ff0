"""Trading requests: local validation (nothing sent on bad input) and the exact wire JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from helpers.kraken_v2 import BTC_USD
from spotstream.errors import InvalidRequestError
from spotstream.models.orders import ConditionalClose, OrderRequest
from spotstream.protocol.kraken.v2 import orders, trading_params, wire
from spotstream.protocol.kraken.v2.trading_wire import PrivateRequest


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
