"""Kraken v1 trading: the exact request JSON, local refusals, the inverse (the simulator's
reading) and the captured answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.captures import find, load_jsonl
from spotstream.errors import (
    DecodeError,
    InvalidArgumentsError,
    InvalidRequestError,
    OrderNotFoundError,
    RateLimitError,
    RequestError,
)
from spotstream.models.edge import field_type
from spotstream.models.enums import (
    CONDITIONAL_ORDER_TYPES,
    LIMIT_PRICED_ORDER_TYPES,
    TRAILING_ORDER_TYPES,
    TRIGGERED_ORDER_TYPES,
    FeePreference,
    LimitPriceType,
    OrderSide,
    OrderType,
    StpType,
    TimeInForce,
    TriggerPriceType,
    TriggerReference,
)
from spotstream.models.orders import (
    CancelAfter,
    CancelledOrder,
    ConditionalClose,
    EditedOrder,
    OrderRequest,
    PlacedOrder,
)
from spotstream.protocol.kraken.v1 import trading_wire as tw

DATA = Path(__file__).parents[3] / "data" / "kraken-async-rs" / "v1_messages.jsonl"
T0 = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def encoded(request: tw.TradingRequest) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(tw.ENCODER.encode(request))
    return decoded


def add(order: OrderRequest, **options: Any) -> tw.AddOrderRequest:
    return tw.add_order_request("XBT/USD", order, token="T", reqid=5, **options)


def limit(**changes: Any) -> OrderRequest:
    fields: dict[str, Any] = {
        "side": "buy",
        "order_type": "limit",
        "quantity": Decimal("10.123"),
        "limit_price": Decimal("9000"),
    }
    return OrderRequest(**{**fields, **changes})


# --- the exact JSON -----------------------------------------------------------------------------


def test_add_order_encodes_the_spec_example_exactly() -> None:
    raw = tw.ENCODER.encode(add(limit()))
    assert raw == (
        b'{"event":"addOrder","token":"T","ordertype":"limit","type":"buy","pair":"XBT/USD",'
        b'"volume":"10.123","reqid":5,"price":"9000","validate":"false"}'
    )


def test_every_add_order_field_is_encoded() -> None:
    order = OrderRequest(
        side="sell",
        order_type="stop-loss-limit",
        quantity=Decimal("1E-7"),  # plain text, never exponent notation
        trigger_price=Decimal("-2.5"),
        trigger_price_type="pct",
        trigger_reference="index",
        limit_price=Decimal("26500.10"),
        time_in_force="gtd",
        expire_time=T0 + timedelta(microseconds=999_999),  # whole seconds, truncated
        effective_time=T0 - timedelta(hours=1),
        reduce_only=False,
        margin=True,
        fee_preference="base",
        stp_type="cancel_both",
        user_ref=-7,
        sender_sub_id="desk-3",
        conditional=ConditionalClose(
            order_type="take-profit-limit",
            trigger_price=Decimal("150"),
            trigger_price_type="quote",
            limit_price=Decimal("27000"),
        ),
    )
    deadline = T0 + timedelta(seconds=5, microseconds=123_456)
    sent = encoded(add(order, validate=True, deadline=deadline, leverage="2"))
    assert sent == {
        "event": "addOrder",
        "token": "T",
        "reqid": 5,
        "ordertype": "stop-loss-limit",
        "type": "sell",
        "pair": "XBT/USD",
        "volume": "0.0000001",
        "price": "-2.5%",
        "price2": "26500.10",
        "trigger": "index",
        "leverage": "2",
        "margin": True,
        "reduce_only": False,
        "oflags": "fcib",
        "starttm": str(int((T0 - timedelta(hours=1)).timestamp())),
        "expiretm": str(int(T0.timestamp())),
        "deadline": "2030-01-02T03:04:10.123Z",
        "userref": "-7",
        "sender_sub_id": "desk-3",
        "stp_type": "cancel_both",
        "validate": "true",
        "timeinforce": "GTD",
        "close[ordertype]": "take-profit-limit",
        "close[price]": "+150",
        "close[price2]": "27000",
    }


def test_iceberg_flags_and_client_id_are_encoded() -> None:
    order = limit(
        order_type="iceberg",
        display_quantity=Decimal("1.5"),
        post_only=True,
        fee_preference="quote",
        client_order_id="my-bot-17",
        time_in_force="ioc",
    )
    sent = encoded(add(order))
    assert (sent["ordertype"], sent["displayvol"], sent["oflags"]) == ("limit", "1.5", "post,fciq")
    assert (sent["cl_ord_id"], sent["timeinforce"]) == ("my-bot-17", "IOC")
    assert "userref" not in sent


def test_quote_quantity_is_the_volume_with_viqc() -> None:
    order = OrderRequest(
        side="buy", order_type="market", quantity=Decimal("1"), quote_quantity=Decimal("250.5")
    )
    sent = encoded(add(order))
    assert (sent["ordertype"], sent["volume"], sent["oflags"]) == ("market", "250.5", "viqc")
    assert "price" not in sent


def test_trailing_stop_limit_offsets_are_signed_texts() -> None:
    order = OrderRequest(
        side="sell",
        order_type="trailing-stop-limit",
        quantity=Decimal("2"),
        trigger_price=Decimal("1.5"),
        trigger_price_type="pct",
        limit_price=Decimal("-20"),
        limit_price_type="quote",
    )
    sent = encoded(add(order))
    assert (sent["price"], sent["price2"]) == ("+1.5%", "-20")


def test_edit_cancel_and_dead_man_switch_encode_exactly() -> None:
    edit = tw.edit_order_request(
        "O65KZW-J4AW3-VFS74A",
        "XBT/USD",
        token="T",
        reqid=3,
        quantity=Decimal("0.5"),
        limit_price=Decimal("9000.0"),
        trigger_price=Decimal("9100"),
        post_only=True,
        user_ref=42,
        validate=True,
        deadline=T0,
    )
    assert encoded(edit) == {
        "event": "editOrder",
        "token": "T",
        "reqid": 3,
        "orderid": "O65KZW-J4AW3-VFS74A",
        "pair": "XBT/USD",
        "price": "9100",
        "price2": "9000.0",
        "volume": "0.5",
        "oflags": "post",
        "newuserref": "42",
        "validate": "true",
        "deadline": "2030-01-02T03:04:05.000Z",
    }
    only_price = tw.edit_order_request("O1", "XBT/USD", token="T", reqid=4, limit_price=Decimal(1))
    assert encoded(only_price) == {
        "event": "editOrder",
        "token": "T",
        "reqid": 4,
        "orderid": "O1",
        "pair": "XBT/USD",
        "price": "1",
        "validate": "false",
    }
    cancel = tw.cancel_order_request(
        token="T", reqid=7, order_ids=["OGTT3Y-C6I3P-XRI6HX", "123"], client_order_ids=["me"]
    )
    assert tw.ENCODER.encode(cancel) == (
        b'{"event":"cancelOrder","token":"T","reqid":7,"txid":["OGTT3Y-C6I3P-XRI6HX","123"],'
        b'"cl_ord_id":["me"]}'
    )
    assert encoded(tw.CancelAllRequest(token="T", reqid=1)) == {
        "event": "cancelAll",
        "token": "T",
        "reqid": 1,
    }
    after = tw.cancel_after_request(token="T", reqid=1608543428050, timeout=60)
    assert tw.ENCODER.encode(after) == (
        b'{"event":"cancelAllOrdersAfter","token":"T","timeout":60,"reqid":1608543428050}'
    )


def test_requests_decode_by_event() -> None:
    for request in (
        add(limit()),
        tw.edit_order_request("O1", "XBT/USD", token="T", reqid=4, quantity=Decimal(1)),
        tw.cancel_order_request(token="T", reqid=7, order_ids=["O1"]),
        tw.CancelAllRequest(token="T", reqid=1),
        tw.cancel_after_request(token="T", reqid=1, timeout=0),
    ):
        assert tw.REQUEST_DECODER.decode(tw.ENCODER.encode(request)) == request
        assert request.event == json.loads(tw.ENCODER.encode(request))["event"]


# --- refusals, before anything is encoded --------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # what v2 refuses too
        ({"quantity": Decimal("0")}, "order_qty"),
        ({"limit_price": None}, "need limit_price"),
        ({"client_order_id": "a", "user_ref": 1}, "mutually exclusive"),
        ({"time_in_force": "gtd"}, "expire_time"),
        ({"client_order_id": "x" * 19}, "cl_ord_id"),
        # v1's own rules
        (
            {"order_type": "trailing-stop", "limit_price": None, "trigger_price": Decimal(5)},
            "positive pct or quote",
        ),
        (
            {
                "order_type": "trailing-stop",
                "limit_price": None,
                "trigger_price": Decimal(-5),
                "trigger_price_type": "pct",
            },
            "positive pct or quote",
        ),
        (
            {"order_type": "stop-loss", "limit_price": None, "trigger_price": Decimal(-5)},
            "static price must be positive",
        ),
        (
            {
                "order_type": "stop-loss-limit",
                "trigger_price": Decimal(5),
                "post_only": True,
            },
            "post_only",
        ),
        (
            {
                "order_type": "market",
                "limit_price": None,
                "quote_quantity": Decimal(5),
                "side": "sell",
            },
            "viqc",
        ),
        (
            {
                "order_type": "market",
                "limit_price": None,
                "quote_quantity": Decimal(5),
                "margin": True,
            },
            "viqc",
        ),
        ({"conditional": {"order_type": "limit"}}, "conditional limit needs limit_price"),
        (
            {
                "conditional": {
                    "order_type": "limit",
                    "limit_price": Decimal(1),
                    "trigger_price": Decimal(2),
                }
            },
            "close limit orders take no trigger_price",
        ),
        (
            {
                "conditional": {
                    "order_type": "limit",
                    "limit_price": Decimal(1),
                    "trigger_price_type": "pct",
                }
            },
            "close trigger_price_type needs trigger_price",
        ),
        (
            {
                "conditional": {
                    "order_type": "limit",
                    "limit_price": Decimal(1),
                    "limit_price_type": "pct",
                }
            },
            "close a pct/quote limit_price",
        ),
        (
            {
                "conditional": {
                    "order_type": "trailing-stop",
                    "trigger_price": Decimal(1),
                    "trigger_price_type": "static",
                }
            },
            "close trailing-stop needs a positive pct or quote",
        ),
        ({"expire_time": datetime(2030, 1, 1), "time_in_force": "gtd"}, "timezone-aware"),
        ({"effective_time": datetime(1970, 1, 1, tzinfo=UTC)}, "after 1970"),
    ],
)
def test_bad_orders_are_refused_before_encoding(changes: dict[str, Any], message: str) -> None:
    if isinstance(changes.get("conditional"), dict):
        changes = {**changes, "conditional": ConditionalClose(**changes["conditional"])}
    with pytest.raises(InvalidRequestError, match=message):
        add(limit(**changes))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"deadline": datetime(2030, 1, 1)}, "deadline must be timezone-aware"),
        ({"leverage": "2x"}, "leverage"),
    ],
)
def test_bad_add_order_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        add(limit(), **options)


def test_bad_edits_cancels_and_timeouts_are_refused() -> None:
    with pytest.raises(InvalidRequestError, match="order id"):
        tw.edit_order_request("", "XBT/USD", token="T", reqid=1)
    with pytest.raises(InvalidRequestError, match="volume"):
        tw.edit_order_request("O1", "XBT/USD", token="T", reqid=1, quantity=Decimal(0))
    with pytest.raises(InvalidRequestError, match="limit_price"):
        tw.edit_order_request("O1", "XBT/USD", token="T", reqid=1, limit_price=Decimal(-1))
    with pytest.raises(InvalidRequestError, match="trigger_price"):
        tw.edit_order_request("O1", "XBT/USD", token="T", reqid=1, trigger_price=Decimal(-1))
    with pytest.raises(InvalidRequestError, match="at least one"):
        tw.cancel_order_request(token="T", reqid=1)
    with pytest.raises(InvalidRequestError, match="cl_ord_id"):
        tw.cancel_order_request(token="T", reqid=1, client_order_ids=["x" * 19])
    with pytest.raises(InvalidRequestError, match="timeout"):
        tw.cancel_after_request(token="T", reqid=1, timeout=86_400)


# --- the inverse: what the simulator reads -----------------------------------------------------

prices = st.decimals(min_value=Decimal("0.00000001"), max_value=10**9, places=8)
offsets = st.decimals(min_value=-(10**6), max_value=10**6, places=4)


@st.composite
def priced(draw: st.DrawFn, kind: OrderType) -> dict[str, Any]:
    """Valid price fields for an order (or close) of ``kind``."""
    fields: dict[str, Any] = {}
    if kind in TRIGGERED_ORDER_TYPES:
        if kind in TRAILING_ORDER_TYPES:
            fields["trigger_price_type"] = draw(st.sampled_from(["pct", "quote"]))
            fields["trigger_price"] = draw(prices)
        else:
            fields["trigger_price_type"] = draw(st.sampled_from([None, "static", "pct", "quote"]))
            static = fields["trigger_price_type"] in (None, "static")
            fields["trigger_price"] = draw(prices if static else offsets)
    if kind in LIMIT_PRICED_ORDER_TYPES:
        relative = kind == OrderType.TRAILING_STOP_LIMIT and draw(st.booleans())
        fields["limit_price_type"] = (
            draw(st.sampled_from(["pct", "quote"]))
            if relative
            else draw(st.sampled_from([None, "static"]))
        )
        fields["limit_price"] = draw(offsets if relative else prices)
    return fields


whole_seconds = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda t: t.replace(microsecond=0))
texts = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=18)


@st.composite
def valid_orders(draw: st.DrawFn) -> OrderRequest:
    """Any order add_order_request accepts: each field drawn among the values valid with the
    others."""
    kind = draw(st.sampled_from(list(OrderType)))
    side = draw(st.sampled_from(list(OrderSide)))
    quantity = draw(prices)
    fields: dict[str, Any] = {"side": side, "order_type": kind, "quantity": quantity}
    fields.update(draw(priced(kind)))
    if "trigger_price" in fields:
        fields["trigger_reference"] = draw(st.none() | st.sampled_from(list(TriggerReference)))
    fields["time_in_force"] = draw(st.none() | st.sampled_from(list(TimeInForce)))
    if fields["time_in_force"] == "gtd":
        fields["expire_time"] = draw(whole_seconds)
    fields["effective_time"] = draw(st.none() | whole_seconds)
    fields["margin"] = draw(st.none() | st.booleans())
    fields["reduce_only"] = draw(st.none() | st.booleans())
    if kind in (OrderType.LIMIT, OrderType.ICEBERG):
        fields["post_only"] = draw(st.none() | st.booleans())
    if kind == OrderType.ICEBERG:
        fields["display_quantity"] = quantity * draw(st.sampled_from([1, Decimal("0.1")]))
    if kind == OrderType.MARKET and side == "buy" and not fields["margin"] and draw(st.booleans()):
        fields["quote_quantity"] = draw(prices)
    fields["fee_preference"] = draw(st.none() | st.sampled_from(list(FeePreference)))
    fields["stp_type"] = draw(st.none() | st.sampled_from(list(StpType)))
    identity = draw(st.sampled_from(["none", "client", "user"]))
    if identity == "client":
        fields["client_order_id"] = draw(texts)
    elif identity == "user":
        fields["user_ref"] = draw(st.integers(min_value=-(2**31), max_value=2**31 - 1))
    fields["sender_sub_id"] = draw(st.none() | texts)
    if draw(st.booleans()):
        close_kind = draw(st.sampled_from(sorted(CONDITIONAL_ORDER_TYPES)))
        fields["conditional"] = ConditionalClose(order_type=close_kind, **draw(priced(close_kind)))
    return OrderRequest(**fields)


def normalized(order: OrderRequest) -> OrderRequest:
    """What the wire keeps of ``order``: a static price type is the default, ``False`` for
    post_only is no flag, with ``viqc`` the volume is the quote quantity."""
    fields = msgspec.structs.asdict(order)
    for name in ("limit_price_type", "trigger_price_type"):
        if fields[name] == "static":
            fields[name] = None
    if fields["post_only"] is False:
        fields["post_only"] = None
    if order.quote_quantity is not None:
        fields["quantity"] = order.quote_quantity
    if (close := order.conditional) is not None:
        close_fields = msgspec.structs.asdict(close)
        for name in ("limit_price_type", "trigger_price_type"):
            if close_fields[name] == "static":
                close_fields[name] = None
        fields["conditional"] = ConditionalClose(**close_fields)
    return OrderRequest(**fields)


@given(valid_orders(), st.booleans())
@settings(max_examples=300, deadline=None)
def test_order_from_request_inverts_add_order_request(order: OrderRequest, validate: bool) -> None:
    request = add(order, validate=validate)
    assert tw.order_from_request(request) == normalized(order)
    through_bytes = tw.REQUEST_DECODER.decode(tw.ENCODER.encode(request))
    assert isinstance(through_bytes, tw.AddOrderRequest)
    assert tw.order_from_request(through_bytes) == normalized(order)
    assert tw.validate_only(through_bytes) is validate


def _any(kind: Any) -> st.SearchStrategy[Any]:
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return st.sampled_from(list(kind))
    if kind is Decimal:
        return st.decimals(allow_nan=False, allow_infinity=False, places=4, max_value=10**6)
    if kind is datetime:
        return whole_seconds
    if kind is bool:
        return st.booleans()
    if kind is int:
        return st.integers(min_value=-(2**31), max_value=2**31 - 1)
    if kind is str:
        return texts
    assert kind is ConditionalClose
    return st.builds(
        ConditionalClose,
        order_type=st.sampled_from(list(OrderType)),
        limit_price=st.none() | _any(Decimal),
        limit_price_type=st.none() | st.sampled_from(list(LimitPriceType)),
        trigger_price=st.none() | _any(Decimal),
        trigger_price_type=st.none() | st.sampled_from(list(TriggerPriceType)),
    )


@st.composite
def near_valid_orders(draw: st.DrawFn) -> OrderRequest:
    """A valid order with one or two fields changed to any value of their type (or None):
    valid or not, mostly not."""
    order = draw(valid_orders())
    fields = msgspec.structs.asdict(order)
    for field in draw(st.lists(st.sampled_from(msgspec.structs.fields(OrderRequest)), max_size=2)):
        kind, optional = field_type(field.type)
        fields[field.name] = draw(st.none() | _any(kind) if optional else _any(kind))
    return OrderRequest(**fields)


@given(near_valid_orders())
@settings(max_examples=500, deadline=None)
def test_every_order_is_refused_locally_or_read_back_as_sent(order: OrderRequest) -> None:
    try:
        request = add(order)
    except InvalidRequestError:
        return
    assert tw.order_from_request(request) == normalized(order)


def _request(**fields: Any) -> tw.AddOrderRequest:
    base = {"token": "T", "ordertype": "limit", "type": "buy", "pair": "XBT/USD", "volume": "1"}
    return msgspec.convert({**base, **fields}, tw.AddOrderRequest)


def test_order_from_request_reads_what_other_clients_send() -> None:
    request = _request(
        price="9000",
        oflags="nompp,fciq",
        userref=12,
        validate="True",
        starttm="+60",
        expiretm="0",
        timeinforce="GTC",
    )
    order = tw.order_from_request(request, now=T0)
    assert order == limit(
        quantity=Decimal(1),
        fee_preference="quote",
        user_ref=12,
        effective_time=T0 + timedelta(seconds=60),
        time_in_force="gtc",
    )
    assert tw.validate_only(request) is True
    assert tw.validate_only(_request(validate=False)) is False


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"price": "#5"}, "'#' prefix"),
        ({"price": "+5"}, "relative limit price"),
        ({"price": "5.5.5"}, "is not a price"),
        ({"volume": "1e5"}, "volume must be an unsigned decimal"),
        ({"volume": "-1"}, "volume"),
        ({"price": "1", "displayvol": "x"}, "displayvol"),
        ({"ordertype": "market", "displayvol": "1"}, "displayvol is for limit"),
        ({"price": "1", "leverage": "2"}, "leverage"),
        ({"price": "1", "oflags": "post,fok"}, "unknown flags"),
        ({"price": "1", "oflags": "fcib,fciq"}, "mutually exclusive"),
        ({"price": "1", "price2": "2"}, "price2 is for the"),
        ({"price": "1", "starttm": "+60"}, "no current time"),
        ({"price": "1", "expiretm": "tomorrow"}, "expiretm"),
        ({"price": "1", "userref": "abc"}, "userref"),
        ({"price": "1", "close[price]": "5"}, r"need close\[ordertype\]"),
        ({"price": "1", "close[ordertype]": "teleport"}, "not an order type"),
        ({"price": "1", "close[ordertype]": "stop-loss", "close[price]": "#1"}, "close price"),
    ],
)
def test_unreadable_add_orders_are_refused_with_the_field(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        tw.order_from_request(_request(**fields))


def test_bad_validate_text_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="validate"):
        tw.validate_only(_request(validate="yes"))


# --- answers: the captures and the spec's examples ------------------------------------------------

CAPTURES = load_jsonl(DATA)
STATUS_LABELS = {
    "ADD_ORDER_RESPONSE": tw.AddOrderStatus,
    "ADD_ORDER_INVALID_ARGS": tw.AddOrderStatus,
    "EDIT_ORDER_RESPONSE": tw.EditOrderStatus,
    "EDIT_ORDER_RATE_LIMIT_EXCEEDED": tw.EditOrderStatus,
    "CANCEL_ORDER_SUCCESS": tw.CancelOrderStatus,
    "CANCEL_ORDER_ERROR": tw.CancelOrderStatus,
    "CANCEL_ORDER_REQ_ID": tw.CancelOrderStatus,
}


def test_every_captured_trading_answer_is_covered() -> None:
    labels = {
        c.label for c in CAPTURES if c.label.startswith(("ADD_ORDER", "EDIT_ORDER", "CANCEL_"))
    }
    assert labels == set(STATUS_LABELS)


@pytest.mark.parametrize("label", sorted(STATUS_LABELS))
def test_captured_answers_decode_to_their_struct(label: str) -> None:
    raw = find(CAPTURES, label).raw
    status = tw.STATUS_DECODER.decode(raw)
    assert type(status) is STATUS_LABELS[label]
    assert status.event == json.loads(raw)["event"]
    assert status.event in tw.STATUS_EVENTS


def test_captured_ok_answers_translate() -> None:
    def decoded(label: str) -> Any:
        return tw.STATUS_DECODER.decode(find(CAPTURES, label).raw)

    assert tw.placed(decoded("ADD_ORDER_RESPONSE")) == PlacedOrder("OA7JUX-OKLO3-M6IEVL")
    assert tw.edited(decoded("EDIT_ORDER_RESPONSE")) == EditedOrder(
        "O7NE5Y-QUARV-HHHUCA", "OA7JUX-OKLO3-M6IEVL"
    )
    assert tw.cancelled(decoded("CANCEL_ORDER_SUCCESS")) == CancelledOrder()
    with_id = decoded("CANCEL_ORDER_REQ_ID")
    assert (with_id.reqid, tw.cancelled(with_id)) == (1234, CancelledOrder())
    for label in ("ADD_ORDER_RESPONSE", "EDIT_ORDER_RESPONSE", "CANCEL_ORDER_SUCCESS"):
        assert tw.refusal(decoded(label), "addOrder") is None


@pytest.mark.parametrize(
    ("label", "why"),
    [
        ("ADD_ORDER_INVALID_ARGS", InvalidArgumentsError),
        ("EDIT_ORDER_RATE_LIMIT_EXCEEDED", RateLimitError),
        ("CANCEL_ORDER_ERROR", OrderNotFoundError),
    ],
)
def test_captured_error_answers_are_typed_refusals(label: str, why: type[Exception]) -> None:
    status = tw.STATUS_DECODER.decode(find(CAPTURES, label).raw)
    error = tw.refusal(status, status.event)
    assert isinstance(error, why)
    assert isinstance(error, RequestError)
    assert error.text == json.loads(find(CAPTURES, label).raw)["errorMessage"]
    with pytest.raises(DecodeError, match="is an error"):
        {"addOrderStatus": tw.placed, "editOrderStatus": tw.edited}.get(status.event, tw.cancelled)(
            status
        )


def test_spec_examples_of_the_other_answers_translate() -> None:
    armed = tw.STATUS_DECODER.decode(
        b'{"currentTime":"2020-12-21T09:37:09Z","event":"cancelAllOrdersAfterStatus",'
        b'"reqid":1608543428050,"status":"ok","triggerTime":"2020-12-21T09:38:09Z"}'
    )
    assert isinstance(armed, tw.CancelAllOrdersAfterStatus)
    assert tw.cancel_after(armed) == CancelAfter(
        datetime(2020, 12, 21, 9, 37, 9, tzinfo=UTC), datetime(2020, 12, 21, 9, 38, 9, tzinfo=UTC)
    )
    disarmed = tw.STATUS_DECODER.decode(
        b'{"currentTime":"2020-12-21T09:37:09Z","event":"cancelAllOrdersAfterStatus",'
        b'"reqid":1608543428051,"status":"ok","triggerTime":"0"}'
    )
    assert isinstance(disarmed, tw.CancelAllOrdersAfterStatus)
    assert tw.cancel_after(disarmed).trigger_time is None
    count = tw.STATUS_DECODER.decode(
        b'{"count":2,"event":"cancelAllStatus","status":"ok","reqid":1}'
    )
    assert isinstance(count, tw.CancelAllStatus)
    assert tw.cancelled_count(count) == 2
    refused = tw.STATUS_DECODER.decode(
        b'{"errorMessage":"Unsupported field: \'refid\' for the given msg type: add order",'
        b'"event":"addOrderStatus","pair":"USDT/USD","status":"error"}'
    )
    error = tw.refusal(refused, "addOrder")
    assert error is not None
    assert (error.symbol, error.method) == ("USDT/USD", "addOrder")
    validated = tw.STATUS_DECODER.decode(b'{"event":"addOrderStatus","status":"ok","reqid":2}')
    assert isinstance(validated, tw.AddOrderStatus)
    assert tw.placed(validated) == PlacedOrder("")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"event":"editOrderStatus","status":"ok","txid":"O1"}',
        b'{"event":"cancelAllStatus","status":"ok"}',
        b'{"event":"cancelAllOrdersAfterStatus","status":"ok","triggerTime":"0"}',
        b'{"event":"cancelAllOrdersAfterStatus","status":"ok",'
        b'"currentTime":"2020-12-21T09:37:09Z","triggerTime":"soon"}',
    ],
)
def test_ok_answers_missing_their_result_are_decode_errors(raw: bytes) -> None:
    status = tw.STATUS_DECODER.decode(raw)
    translate = {
        tw.EditOrderStatus: tw.edited,
        tw.CancelAllStatus: tw.cancelled_count,
        tw.CancelAllOrdersAfterStatus: tw.cancel_after,
    }[type(status)]
    with pytest.raises(DecodeError):
        translate(status)  # type: ignore[operator]


def test_malformed_answers_fail_to_decode() -> None:
    for raw in (
        b'{"event":"addOrderStatus","status":"maybe"}',
        b'{"event":"subscriptionStatus","status":"ok"}',
        b'{"event":"addOrderStatus"}',
        b"[1,2]",
    ):
        with pytest.raises(msgspec.ValidationError):
            tw.STATUS_DECODER.decode(raw)
