"""``spotstream order ...``: parsing, outcomes, JSON shape and exit codes.

The first part runs against a fake client (the command line is what is tested); the last
part places, amends and cancels real orders on the simulator.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from helpers.cli_output import only_json
from spotstream.cli import build_parser, main
from spotstream.cli.order import build_action, run_order
from spotstream.cli.order_options import time_arg
from spotstream.errors import (
    ConnectionClosedError,
    InvalidRequestError,
    OutcomeUnknownError,
    RequestError,
)
from spotstream.models.orders import (
    AmendedOrder,
    CancelAfter,
    CancelledOrder,
    ConditionalClose,
    EditedOrder,
    OrderRequest,
    PlacedOrder,
)
from spotstream.protocol.events import RequestDone
from spotstream.protocol.kraken.v2.private import KrakenV2PrivateProtocol
from spotstream.protocol.kraken.v2.trading_wire import CancelOrderParams

SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQ="  # base64, as Kraken's


class FakeSpot:
    """Records each trading call; answers with ``result`` (or raises it, if an exception)."""

    def __init__(self, result: object) -> None:
        self.result = result
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        async def method(*args: Any, **kwargs: Any) -> object:
            self.calls.append((name, args, kwargs))
            if isinstance(self.result, BaseException):
                raise self.result
            return self.result

        return method


class Opened:
    """What the fake ``open_client`` saw."""

    def __init__(self) -> None:
        self.args: argparse.Namespace | None = None
        self.credentials: Any = None


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "SPOTSTREAM_KRAKEN_PUBLIC_URL",
        "SPOTSTREAM_KRAKEN_PRIVATE_URL",
        "SPOTSTREAM_KRAKEN_L3_URL",
        "SPOTSTREAM_KRAKEN_REST_URL",
        "SPOTSTREAM_KRAKEN_V1_PUBLIC_URL",
        "SPOTSTREAM_KRAKEN_V1_PRIVATE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KRAKEN_API_KEY", "cli-test-key")
    monkeypatch.setenv("KRAKEN_API_SECRET", SECRET)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))


def fake_exchange(monkeypatch: pytest.MonkeyPatch, result: object) -> tuple[FakeSpot, Opened]:
    spot, opened = FakeSpot(result), Opened()

    @asynccontextmanager
    async def fake_client(args: argparse.Namespace, credentials: Any) -> AsyncIterator[Any]:
        opened.args, opened.credentials = args, credentials
        yield argparse.Namespace(spot=argparse.Namespace(trading=spot))

    monkeypatch.setattr("spotstream.cli.order.open_client", fake_client)
    return spot, opened


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["order", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# --- parsing: every parameter reaches the client, exactly ------------------------------------


async def _call(
    argv: list[str], result: object = None
) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    args = build_parser().parse_args(["order", *argv])
    spot = FakeSpot(result)
    await build_action(args)(spot)  # type: ignore[arg-type]
    (call,) = spot.calls
    return call


async def test_add_passes_every_option_exactly() -> None:
    name, args, kwargs = await _call(
        [
            "add", "BTC/USD", "buy", "stop-loss-limit", "0.12345678",
            "--limit-price", "30000.1", "--limit-price-type", "static",
            "--trigger-price", "29999.9", "--trigger-reference", "index",
            "--trigger-price-type", "static", "--time-in-force", "gtd",
            "--expire-time", "2030-01-02T03:04:05Z",
            "--effective-time", "2030-01-01T00:00:00+02:00",
            "--post-only", "--no-reduce-only", "--margin", "--fee-preference", "quote",
            "--stp-type", "cancel_both", "--cl-ord-id", "my-order-1", "--sender-sub-id", "sub-1",
            "--deadline", "+30", "--validate", "--timeout", "2.5",
            "--conditional-order-type", "take-profit-limit",
            "--conditional-limit-price", "31000.5", "--conditional-trigger-price", "31000",
            "--conditional-limit-price-type", "static", "--conditional-trigger-price-type", "pct",
        ]
    )  # fmt: skip
    assert name == "add_order"
    assert args == ("BTC/USD", "buy", "stop-loss-limit", Decimal("0.12345678"))
    assert str(args[3]) == "0.12345678"  # exact, never through a float
    assert kwargs["limit_price"] == Decimal("30000.1")
    assert kwargs["trigger_price"] == Decimal("29999.9")
    assert kwargs["trigger_reference"] == "index"
    assert kwargs["expire_time"] == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert kwargs["effective_time"] == datetime(2029, 12, 31, 22, tzinfo=UTC)
    assert (kwargs["post_only"], kwargs["reduce_only"], kwargs["margin"]) == (True, False, True)
    assert kwargs["fee_preference"] == "quote"
    assert kwargs["stp_type"] == "cancel_both"
    assert kwargs["cl_ord_id"] == "my-order-1"
    assert kwargs["sender_sub_id"] == "sub-1"
    assert kwargs["validate"] is True
    assert kwargs["timeout"] == 2.5
    ahead = kwargs["deadline"] - datetime.now(UTC)
    assert timedelta(seconds=25) < ahead <= timedelta(seconds=30)
    assert kwargs["conditional"] == ConditionalClose(
        order_type="take-profit-limit",
        limit_price=Decimal("31000.5"),
        limit_price_type="static",
        trigger_price=Decimal("31000"),
        trigger_price_type="pct",
    )


async def test_add_leaves_unset_options_to_the_exchange() -> None:
    _, _, kwargs = await _call(["add", "ETH/USD", "sell", "iceberg", "10", "--limit-price", "2000",
                                "--display-qty", "1", "--order-userref", "42"])  # fmt: skip
    assert kwargs["display_qty"] == Decimal("1")
    assert kwargs["order_userref"] == 42
    assert kwargs["post_only"] is None  # tri-state: not sent unless asked
    assert kwargs["conditional"] is None
    assert kwargs["validate"] is False
    assert kwargs["timeout"] is None
    market = await _call(["add", "BTC/USD", "buy", "market", "0.1", "--cash-order-qty", "100.5"])
    assert market[2]["cash_order_qty"] == Decimal("100.5")


async def test_amend_edit_cancel_options() -> None:
    name, args, kwargs = await _call(
        ["amend", "--cl-ord-id", "abc", "--order-qty", "0.5", "--limit-price", "100.25",
         "--display-qty", "0.1", "--no-post-only", "--trigger-price", "99",
         "--trigger-price-type", "quote", "--symbol", "BTC/USD", "--deadline", "+10"]
    )  # fmt: skip
    assert name == "amend_order"
    assert args == (None,)
    assert kwargs["cl_ord_id"] == "abc"
    assert kwargs["order_qty"] == Decimal("0.5")
    assert kwargs["post_only"] is False
    assert kwargs["trigger_price_type"] == "quote"
    assert kwargs["symbol"] == "BTC/USD"
    name, args, kwargs = await _call(
        ["edit", "OABC-1", "BTC/USD", "--order-qty", "2", "--reduce-only",
         "--trigger-reference", "last", "--order-userref", "7", "--fee-preference", "base",
         "--validate"]
    )  # fmt: skip
    assert (name, args) == ("edit_order", ("OABC-1", "BTC/USD"))
    assert kwargs["order_qty"] == Decimal("2")
    assert kwargs["reduce_only"] is True
    assert kwargs["order_userref"] == 7
    assert kwargs["validate"] is True
    name, args, kwargs = await _call(
        ["cancel", "O1", "O2", "--cl-ord-id", "c1", "--order-userref", "5", "--order-userref", "6"]
    )
    assert (name, args) == ("cancel_orders", (["O1", "O2"],))
    assert kwargs == {"cl_ord_ids": ["c1"], "order_userrefs": [5, 6], "timeout": None}


async def test_cancel_all_after_and_batch_cancel() -> None:
    assert await _call(["cancel-all", "--timeout", "3"]) == ("cancel_all", (), {"timeout": 3.0})
    assert await _call(["cancel-after", "60"]) == (
        "cancel_all_orders_after", (60,), {"request_timeout": None},
    )  # fmt: skip
    name, args, kwargs = await _call(["batch-cancel", "O1", "42", "--cl-ord-id", "c"])
    assert (name, args) == ("batch_cancel", (["O1", "42"],))
    assert kwargs == {"cl_ord_ids": ["c"], "timeout": None}


@pytest.fixture
def batch_file(tmp_path: Path) -> Path:
    path = tmp_path / "orders.json"
    path.write_text(
        json.dumps(
            [
                {"side": "buy", "order_type": "limit", "order_qty": "0.1",
                 "limit_price": "30000.1"},
                {"side": "sell", "order_type": "limit", "order_qty": 0.30000000000000004,
                 "limit_price": 31000, "cl_ord_id": "b2", "expire_time": "2030-01-01T00:00:00Z",
                 "time_in_force": "gtd"},
            ]
        )
    )  # fmt: skip
    return path


async def test_batch_add_decodes_orders_exactly(batch_file: Path) -> None:
    name, args, kwargs = await _call(["batch-add", "BTC/USD", str(batch_file), "--validate"])
    assert name == "batch_add"
    symbol, orders = args
    assert symbol == "BTC/USD"
    assert orders[0] == OrderRequest(
        side="buy", order_type="limit", quantity=Decimal("0.1"), limit_price=Decimal("30000.1")
    )
    assert orders[1].quantity == Decimal("0.30000000000000004")  # the JSON text, exactly
    assert orders[1].expire_time == datetime(2030, 1, 1, tzinfo=UTC)
    assert kwargs == {"deadline": None, "validate": True, "timeout": None}


@pytest.fixture
def batch_bytes(batch_file: Path) -> bytes:
    return batch_file.read_bytes()


async def test_batch_add_reads_stdin(monkeypatch: pytest.MonkeyPatch, batch_bytes: bytes) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(batch_bytes))
    monkeypatch.setattr(sys, "stdin", stdin)
    _, (_, orders), _ = await _call(["batch-add", "BTC/USD"])
    assert [o.client_order_id for o in orders] == [None, "b2"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json", "not valid JSON"),
        (b'[{"side": "buy", "order_type": "limit"}]', "order_qty"),
        (b'[{"side": "buy", "order_type": "limit", "order_qty": "x"}]', "not a list of orders"),
    ],
)
def test_batch_add_bad_file_is_bad_input(
    env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: bytes,
    message: str,
) -> None:
    spot, _ = fake_exchange(monkeypatch, [])
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    code, out, _ = run(capsys, "batch-add", "BTC/USD", str(path), "--json")
    assert code == 2
    body = only_json(out)
    assert body["type"] == "InvalidRequestError"
    assert message in body["error"]
    assert not spot.calls  # nothing was sent


@pytest.mark.parametrize(
    "argv",
    [
        ["add", "BTC/USD", "buy", "limit", "abc"],
        ["add", "BTC/USD", "buy", "limit", "NaN"],
        ["add", "BTC/USD", "hold", "limit", "1"],
        ["add", "BTC/USD", "buy", "limit", "1", "--expire-time", "2030-01-01T00:00:00"],
        ["add", "BTC/USD", "buy", "limit", "1", "--time-in-force", "day"],
        ["amend", "O1"],  # --order-qty is required
        ["cancel-after", "1.5"],
    ],
)
def test_argparse_rejections_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["order", *argv])
    assert info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_time_arg_forms() -> None:
    assert time_arg("2030-01-01T00:00:00Z") == datetime(2030, 1, 1, tzinfo=UTC)
    ahead = time_arg("+1.5") - datetime.now(UTC)
    assert timedelta(seconds=1) < ahead <= timedelta(seconds=1.5)
    with pytest.raises(argparse.ArgumentTypeError, match="timezone"):
        time_arg("2030-01-01 00:00")


# --- outcomes: lines, JSON and exit codes ----------------------------------------------------


def test_add_success_json_and_line(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    placed = PlacedOrder("OQCLML-BW3P3-BUCMWZ", client_order_id="my-1", warnings=("careful",))
    spot, opened = fake_exchange(monkeypatch, placed)
    code, out, _ = run(capsys, "add", "BTC/USD", "buy", "limit", "0.1", "--limit-price", "1",
                       "--json")  # fmt: skip
    assert code == 0
    assert only_json(out) == {
        "result": {
            "order_id": "OQCLML-BW3P3-BUCMWZ",
            "client_order_id": "my-1",
            "user_ref": None,
            "warnings": ["careful"],
        }
    }
    assert opened.credentials.api_key == "cli-test-key"
    code, out, _ = run(capsys, "add", "BTC/USD", "buy", "limit", "0.1", "--limit-price", "1")
    assert code == 0
    assert out.splitlines() == [
        "placed order OQCLML-BW3P3-BUCMWZ (cl_ord_id my-1)",
        "  warning: careful",
    ]
    assert len(spot.calls) == 2


def test_rejection_exit_1_with_exchange_text(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_exchange(monkeypatch, RequestError("EOrder:Insufficient funds", method="add_order"))
    code, out, _ = run(capsys, "add", "BTC/USD", "buy", "market", "1000", "--json")
    assert code == 1
    assert only_json(out) == {"error": "EOrder:Insufficient funds", "type": "RequestError"}
    code, out, err = run(capsys, "add", "BTC/USD", "buy", "market", "1000")
    assert code == 1
    assert out == ""
    assert "rejected by the exchange: EOrder:Insufficient funds" in err


def test_local_check_failure_exit_2(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_exchange(monkeypatch, InvalidRequestError("limit orders need limit_price"))
    code, out, _ = run(capsys, "add", "BTC/USD", "buy", "limit", "1", "--json")
    assert code == 2
    assert only_json(out) == {
        "error": "limit orders need limit_price",
        "type": "InvalidRequestError",
    }


def test_outcome_unknown_exit_3_says_check_executions(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_exchange(monkeypatch, OutcomeUnknownError("req_id 3: no answer within 10s"))
    code, out, err = run(capsys, "add", "BTC/USD", "buy", "market", "1")
    assert code == 3
    assert "may exist" in err
    assert "spotstream watch executions" in err
    code, out, _ = run(capsys, "cancel-all", "--json")
    assert code == 3
    body = only_json(out)
    assert body["type"] == "OutcomeUnknownError"
    assert "watch executions" in body["hint"]


async def test_interrupted_request_warns_it_may_have_taken_effect(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_exchange(monkeypatch, asyncio.CancelledError())  # as Ctrl-C cancels the run
    args = build_parser().parse_args(["order", "add", "BTC/USD", "buy", "market", "1"])
    with pytest.raises(asyncio.CancelledError):
        await run_order(args)
    err = capsys.readouterr().err
    assert "interrupted" in err
    assert "spotstream watch executions" in err


def test_unreachable_exit_4(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_exchange(monkeypatch, ConnectionClosedError("could not connect to ws://x with a token"))
    code, out, _ = run(capsys, "cancel-all", "--json")
    assert code == 4
    assert only_json(out)["type"] == "ConnectionClosedError"


def test_cancel_reports_each_outcome(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outcomes = [CancelledOrder("O1"), RequestError("EOrder:Unknown order", method="cancel_order")]
    fake_exchange(monkeypatch, outcomes)
    code, out, _ = run(capsys, "cancel", "O1", "O2", "--json")
    assert code == 1  # one was rejected
    assert only_json(out) == {
        "results": [
            {"order_id": "O1", "client_order_id": None, "warnings": []},
            {"error": "EOrder:Unknown order", "type": "RequestError"},
        ]
    }
    code, out, _ = run(capsys, "cancel", "O1", "O2")
    assert out.splitlines() == [
        "cancelled order O1",
        "rejected by the exchange: EOrder:Unknown order",
    ]


def test_cancel_needs_an_identifier(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, opened = fake_exchange(monkeypatch, [])
    code, _, err = run(capsys, "cancel")
    assert code == 2
    assert "ORDER_ID" in err
    assert opened.args is None  # refused before connecting


def test_conditional_options_need_a_type(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_exchange(monkeypatch, None)
    code, _, err = run(capsys, "add", "BTC/USD", "buy", "market", "1",
                       "--conditional-limit-price", "5")  # fmt: skip
    assert code == 2
    assert "--conditional-order-type" in err


@pytest.mark.parametrize(
    ("argv", "result", "json_body", "line"),
    [
        (["cancel-all"], 3, {"result": {"count": 3}}, "cancelled 3 orders"),
        (["batch-cancel", "O1", "O2"], 1, {"result": {"count": 1}}, "cancelled 1 order"),
        (
            ["amend", "O1", "--order-qty", "1"],
            AmendedOrder("A1", order_id="O1"),
            {"result": {"amend_id": "A1", "order_id": "O1", "client_order_id": None,
                        "warnings": []}},
            "amended order O1 (amend_id A1)",
        ),
        (
            ["edit", "O1", "BTC/USD", "--order-qty", "1"],
            EditedOrder("O2", "O1"),
            {"result": {"order_id": "O2", "original_order_id": "O1", "warnings": []}},
            "replaced order O1 by O2",
        ),
        (
            ["cancel-after", "0"],
            CancelAfter(datetime(2030, 1, 1, tzinfo=UTC), None),
            {"result": {"current_time": "2030-01-01T00:00:00Z", "trigger_time": None}},
            "dead man's switch disarmed (exchange time 2030-01-01T00:00:00+00:00)",
        ),
        (
            ["cancel-after", "60"],
            CancelAfter(datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, 0, 1, tzinfo=UTC)),
            {"result": {"current_time": "2030-01-01T00:00:00Z",
                        "trigger_time": "2030-01-01T00:01:00Z"}},
            "dead man's switch armed: every order will be cancelled at "
            "2030-01-01T00:01:00+00:00 unless re-armed (exchange time 2030-01-01T00:00:00+00:00)",
        ),
        (
            ["add", "BTC/USD", "buy", "market", "1", "--validate"],
            PlacedOrder(""),
            {"result": {"order_id": "", "client_order_id": None, "user_ref": None,
                        "warnings": []}},
            "validated: the exchange accepts this order (nothing was placed)",
        ),
    ],
)  # fmt: skip
def test_result_shapes(
    env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    result: object,
    json_body: dict[str, Any],
    line: str,
) -> None:
    fake_exchange(monkeypatch, result)
    code, out, _ = run(capsys, *argv, "--json")
    assert code == 0
    assert only_json(out) == json_body
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert out.splitlines() == [line]


def test_batch_add_lists_each_order(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], batch_file: Path
) -> None:
    fake_exchange(monkeypatch, [PlacedOrder("O1"), PlacedOrder("O2", user_ref=9)])
    code, out, _ = run(capsys, "batch-add", "BTC/USD", str(batch_file))
    assert code == 0
    assert out.splitlines() == ["placed order O1", "placed order O2 (order_userref 9)"]


def test_missing_credentials_exit_2(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, opened = fake_exchange(monkeypatch, None)
    monkeypatch.delenv("KRAKEN_API_KEY")
    monkeypatch.delenv("KRAKEN_API_SECRET")
    code, _, err = run(capsys, "cancel-all")
    assert code == 2
    assert "KRAKEN_API_KEY" in err
    assert "kraken.toml" in err
    assert opened.args is None


def test_bad_secret_is_never_echoed(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_exchange(monkeypatch, None)
    monkeypatch.setenv("KRAKEN_API_SECRET", "not*base64*SECRETVALUE")
    code, out, err = run(capsys, "cancel-all", "--json")
    assert code == 2
    assert only_json(out)["type"] == "InvalidCredentialsError"
    assert "SECRETVALUE" not in out + err


def test_endpoints_default_to_the_environment(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, opened = fake_exchange(monkeypatch, 0)
    monkeypatch.setenv("SPOTSTREAM_KRAKEN_PUBLIC_URL", "ws://sim/public")
    monkeypatch.setenv("SPOTSTREAM_KRAKEN_PRIVATE_URL", "ws://sim/private")
    monkeypatch.setenv("SPOTSTREAM_KRAKEN_L3_URL", "ws://sim/l3")
    monkeypatch.setenv("SPOTSTREAM_KRAKEN_REST_URL", "http://sim")
    assert run(capsys, "cancel-all", "--rest-url", "http://other")[0] == 0
    assert opened.args is not None
    urls = (opened.args.url, opened.args.private_url, opened.args.l3_url, opened.args.rest_url)
    assert urls == ("ws://sim/public", "ws://sim/private", "ws://sim/l3", "http://other")


def test_kraken_endpoints_by_default(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, opened = fake_exchange(monkeypatch, 0)
    assert run(capsys, "cancel-all")[0] == 0
    assert opened.args is not None
    assert opened.args.url == "wss://ws.kraken.com/v2"
    assert opened.args.private_url == "wss://ws-auth.kraken.com/v2"
    assert opened.args.l3_url == "wss://ws-l3.kraken.com/v2"
    assert opened.args.rest_url == "https://api.kraken.com"


def test_api_v1_reads_its_own_endpoints(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, opened = fake_exchange(monkeypatch, 0)
    assert run(capsys, "cancel-all", "--api", "v1")[0] == 0
    assert opened.args is not None
    urls = (opened.args.url, opened.args.private_url, opened.args.l3_url, opened.args.rest_url)
    assert urls == (
        "wss://ws.kraken.com",
        "wss://ws-auth.kraken.com",
        None,
        "https://api.kraken.com",
    )
    monkeypatch.setenv("SPOTSTREAM_KRAKEN_PUBLIC_URL", "ws://sim/v2")  # v2's: not read
    monkeypatch.setenv("SPOTSTREAM_KRAKEN_V1_PUBLIC_URL", "ws://sim/")
    monkeypatch.setenv("SPOTSTREAM_KRAKEN_V1_PRIVATE_URL", "ws://sim/auth")
    monkeypatch.setenv("SPOTSTREAM_KRAKEN_REST_URL", "http://sim")
    assert run(capsys, "cancel-all", "--api", "v1", "--url", "ws://given/")[0] == 0
    urls = (opened.args.url, opened.args.private_url, opened.args.rest_url)
    assert urls == ("ws://given/", "ws://sim/auth", "http://sim")


def _unknown_outcome(method: str, frame: dict[str, Any]) -> BaseException:
    """The error the Kraken v2 protocol makes of an answer (one that leaves the outcome unknown)."""
    protocol = KrakenV2PrivateProtocol("private")
    protocol.token = "T"
    out = protocol.trading(method, CancelOrderParams(token="T"))
    (done,) = protocol.receive(json.dumps({"req_id": out.req_id, **frame}))
    assert isinstance(done, RequestDone)
    (error,) = done.errors
    return error


@pytest.mark.parametrize(
    ("frame", "kind"),
    [
        ({"method": "add_order", "success": True, "result": {}}, "UnreadableResultError"),
        ({"method": "pong"}, "UnexpectedAnswerError"),
    ],
)
def test_unreadable_or_unexpected_answer_exit_3_not_1(
    env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    frame: dict[str, Any],
    kind: str,
) -> None:
    fake_exchange(monkeypatch, _unknown_outcome("add_order", frame))
    code, out, err = run(capsys, "add", "BTC/USD", "buy", "market", "1")
    assert code == 3
    assert "OUTCOME UNKNOWN" in err
    assert "rejected" not in err
    code, out, _ = run(capsys, "add", "BTC/USD", "buy", "market", "1", "--json")
    assert code == 3
    body = only_json(out)
    assert body["type"] == kind
    assert "watch executions" in body["hint"]


def test_cancel_with_one_unreadable_outcome_exits_3(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    unreadable = _unknown_outcome(
        "cancel_order", {"method": "cancel_order", "success": True, "result": ["O2"]}
    )
    outcomes = [
        CancelledOrder("O1"),
        unreadable,
        RequestError("EOrder:Unknown order", method="cancel_order"),
    ]
    fake_exchange(monkeypatch, outcomes)
    code, out, _ = run(capsys, "cancel", "O1", "O2", "O3", "--json")
    assert code == 3  # one outcome unknown outweighs one rejection
    results = only_json(out)["results"]
    assert results[1]["type"] == "UnreadableResultError"
    assert "watch executions" in results[1]["hint"]
    assert results[2] == {"error": "EOrder:Unknown order", "type": "RequestError"}
    code, out, err = run(capsys, "cancel", "O1", "O2", "O3")
    assert code == 3
    assert out.splitlines()[1].startswith("outcome unknown: cancel_order")
    assert "OUTCOME UNKNOWN" in err
