"""Answers to trading requests that are not a plain success: refusals typed by Kraken's
table, and answers that leave the outcome unknown (never "rejected by the exchange")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers.captures import CaptureLine, load_jsonl
from spotstream.errors import (
    AuthenticationError,
    ExchangeError,
    InsufficientFundsError,
    InvalidArgumentsError,
    OrderNotFoundError,
    OutcomeUnknownError,
    ProtocolError,
    RequestError,
    SpotstreamError,
    UnexpectedAnswerError,
    UnreadableResultError,
)
from spotstream.models.orders import CancelledOrder
from spotstream.protocol.events import RequestDone
from spotstream.protocol.kraken.v2.private import KrakenV2PrivateProtocol
from spotstream.protocol.kraken.v2.trading_wire import CancelOrderParams

PARAMS = CancelOrderParams(token="T")  # the params' shape is irrelevant to the answers


@pytest.fixture(scope="module")
def lines(captures: Path) -> list[CaptureLine]:
    loaded: list[CaptureLine] = load_jsonl(captures / "kraken-async-rs" / "v2_messages.jsonl")
    return loaded


def private() -> KrakenV2PrivateProtocol:
    protocol = KrakenV2PrivateProtocol("private")
    protocol.token = "TOKEN"
    return protocol


def answer(req_id: int, method: str, **fields: Any) -> bytes:
    times = {"time_in": "2024-05-19T19:18:44.987402Z", "time_out": "2024-05-19T19:18:44.98Z"}
    return json.dumps({"method": method, "req_id": req_id, **times, **fields}).encode()


def only_error(protocol: KrakenV2PrivateProtocol, frame: bytes) -> SpotstreamError:
    (done,) = protocol.receive(frame)
    assert isinstance(done, RequestDone)
    assert done.results == []
    (error,) = done.errors
    assert protocol.pending_request_ids() == []
    return error


def assert_outcome_unknown(error: SpotstreamError, kind: type[OutcomeUnknownError]) -> None:
    assert isinstance(error, kind)
    assert isinstance(error, OutcomeUnknownError)
    assert isinstance(error, ProtocolError)
    assert not isinstance(error, ExchangeError)  # the exchange did not say no
    assert "rejected" not in str(error)
    assert "may have taken effect" in str(error)


# --- success whose result cannot be read ----------------------------------------------------


@pytest.mark.parametrize(
    ("method", "result"),
    [
        ("add_order", {"cl_ord_id": "no-order-id"}),  # order_id missing
        ("add_order", {"order_id": 12345}),  # wrong type
        ("add_order", None),  # no result at all
        ("batch_add", {"order_id": "OAAAAA-BBBBB-CCCCCC"}),  # an object, not the array
        ("edit_order", {"order_id": "ONEW"}),  # original_order_id missing
        ("amend_order", {"order_id": "O1"}),  # amend_id missing
        ("cancel_all_orders_after", {"currentTime": "not a time", "triggerTime": "0"}),
        # decodes, but its translation fails (a trigger time that is not ISO 8601)
        (
            "cancel_all_orders_after",
            {"currentTime": "2024-05-01T10:00:00Z", "triggerTime": "tomorrow"},
        ),
    ],
)
def test_an_unreadable_success_is_outcome_unknown(method: str, result: Any) -> None:
    protocol = private()
    out = protocol.trading(method, PARAMS)
    fields = {"success": True} | ({} if result is None else {"result": result})
    error = only_error(protocol, answer(out.req_id, method, **fields))
    assert_outcome_unknown(error, UnreadableResultError)
    assert f"{method} (req_id={out.req_id}) succeeded" in str(error)


def test_one_unreadable_cancel_answer_among_good_ones() -> None:
    protocol = private()
    out = protocol.trading("cancel_order", PARAMS, expected=2)
    good = answer(out.req_id, "cancel_order", success=True, result={"order_id": "A"})
    assert protocol.receive(good) == []
    bad = answer(out.req_id, "cancel_order", success=True, result=["A"])
    (done,) = protocol.receive(bad)
    assert isinstance(done, RequestDone)
    assert done.results == [CancelledOrder("A")]
    (error,) = done.errors
    assert_outcome_unknown(error, UnreadableResultError)


# --- answers of the wrong kind -----------------------------------------------------------------


def test_a_pong_to_a_trading_request_is_outcome_unknown() -> None:
    protocol = private()
    out = protocol.trading("add_order", PARAMS)
    error = only_error(protocol, answer(out.req_id, "pong"))
    assert_outcome_unknown(error, UnexpectedAnswerError)
    assert "'pong'" in str(error)


@pytest.mark.parametrize(
    "fields",
    [
        {"method": "subscribe", "success": True, "result": {"channel": "executions"}},
        {"method": "cancel_order", "success": True, "result": {"order_id": "O1"}},
        {"method": "cancel_order", "success": False, "error": "EOrder:Unknown order"},
        {"method": "add_order"},  # neither success nor error
    ],
    ids=["a subscribe ack", "another method's success", "another method's refusal", "empty"],
)
def test_any_answer_of_the_wrong_kind_is_outcome_unknown(fields: dict[str, Any]) -> None:
    protocol = private()
    out = protocol.trading("add_order", PARAMS)
    method = fields.pop("method")
    error = only_error(protocol, answer(out.req_id, method, **fields))
    assert_outcome_unknown(error, UnexpectedAnswerError)


# --- refusals are typed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("EOrder:Insufficient funds", InsufficientFundsError),
        ("EOrder:Unknown order", OrderNotFoundError),
        ("Token(s) not found", AuthenticationError),
        ("EAPI:Invalid token", AuthenticationError),
        ("Unsupported field: 'leverage' for the given msg type: add_order", InvalidArgumentsError),
    ],
)
def test_a_refusal_is_typed_by_the_table(text: str, why: type[ExchangeError]) -> None:
    protocol = private()
    out = protocol.trading("add_order", PARAMS)
    error = only_error(protocol, answer(out.req_id, "add_order", success=False, error=text))
    assert isinstance(error, why)
    assert isinstance(error, RequestError)
    assert (error.text, error.method, error.req_id) == (text, "add_order", out.req_id)


def test_an_error_text_without_success_is_a_refusal() -> None:
    """Kraken's reference: an absent ``success`` is a failure; with an error text it is one."""
    protocol = private()
    out = protocol.trading("add_order", PARAMS)
    error = only_error(protocol, answer(out.req_id, "add_order", error="EOrder:Insufficient funds"))
    assert isinstance(error, InsufficientFundsError)


def test_a_refusal_without_text_keeps_the_text_empty() -> None:
    protocol = private()
    out = protocol.trading("cancel_all", PARAMS)
    error = only_error(protocol, answer(out.req_id, "cancel_all", success=False))
    assert type(error) is RequestError
    assert error.text == ""
    assert "without an error text" in str(error)


def test_the_captured_number_as_string_refusal_is_invalid_arguments(
    lines: list[CaptureLine],
) -> None:
    (line,) = [x for x in lines if "Cash_order_qty field must be" in x.raw]
    protocol = private()
    out = protocol.trading("add_order", PARAMS)
    raw = line.raw.replace('"req_id":7', f'"req_id":{out.req_id}')
    error = only_error(protocol, raw.encode())
    assert isinstance(error, InvalidArgumentsError)
    assert isinstance(error, RequestError)
    assert error.text == "Cash_order_qty field must be a number_float"
