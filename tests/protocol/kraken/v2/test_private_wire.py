"""The private wire models (kraken_v2_private_wire) against real captures and the spec's examples.

Every captured executions/balances/level3 message and trading response must decode with no
key left unmapped; the spec's examples (Kraken's WebSocket v2 reference §6.5, §7, §8) must
round-trip, requests to exactly the spec's JSON.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from helpers.captures import CaptureLine, find, load_jsonl
from helpers.unmapped import assert_fully_mapped, unmapped_paths
from spotstream.protocol.kraken.v2 import private_wire as pw
from spotstream.protocol.kraken.v2 import trading_wire as tw
from spotstream.protocol.kraken.v2 import wire

PRIVATE_CHANNELS = {"executions", "balances", "level3"}
TRADING_METHODS = set(tw.METHOD_PARAMS)


@pytest.fixture(scope="module")
def lines(captures: Path) -> list[CaptureLine]:
    loaded: list[CaptureLine] = load_jsonl(captures / "kraken-async-rs" / "v2_messages.jsonl")
    return loaded


def resolve_raw(owner: msgspec.Struct, name: str) -> msgspec.json.Decoder[Any] | None:
    """The typed decoder of each ``msgspec.Raw`` field of the private models."""
    if isinstance(owner, pw.BalancesMessage) and name == "data":
        return pw.BALANCES_DATA_DECODERS[owner.type]
    if isinstance(owner, tw.TradingResponse) and name == "result":
        return tw.RESULT_DECODERS[owner.method]
    return None


_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?$")


def normalized(value: Any) -> Any:
    """JSON with numbers compared by exact text and timestamps as (µs-rounded) datetimes."""
    if isinstance(value, dict):
        return {key: normalized(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalized(item) for item in value]
    if isinstance(value, Decimal):
        return ("number", str(value))
    if isinstance(value, str) and _TIMESTAMP.match(value):
        return msgspec.json.decode(json.dumps(value), type=datetime)
    return value


def exact(frame: str | bytes) -> Any:
    return normalized(json.loads(frame, parse_float=Decimal))


def private_channel_lines(lines: list[CaptureLine]) -> list[CaptureLine]:
    return [line for line in lines if line.message.get("channel") in PRIVATE_CHANNELS]


def trading_lines(lines: list[CaptureLine]) -> list[CaptureLine]:
    return [line for line in lines if line.message.get("method") in TRADING_METHODS]


# --- captures ---------------------------------------------------------------------------------


def test_capture_file_holds_the_expected_private_mix(lines: list[CaptureLine]) -> None:
    channels = Counter(line.message["channel"] for line in private_channel_lines(lines))
    assert channels == {"executions": 6, "balances": 3, "level3": 2}
    methods = Counter(line.message["method"] for line in trading_lines(lines))
    assert methods == {
        "add_order": 4,
        "amend_order": 2,
        "edit_order": 2,
        "cancel_order": 2,
        "cancel_all": 1,
        "cancel_all_orders_after": 1,
        "batch_add": 1,
        "batch_cancel": 1,
    }


def test_captured_private_channel_messages_decode_with_every_key_mapped(
    lines: list[CaptureLine],
) -> None:
    problems = []
    for line in private_channel_lines(lines):
        decoded = pw.PRIVATE_CHANNEL_DECODER.decode(line.raw)
        if type(decoded).__struct_config__.tag != line.message["channel"]:
            problems.append(f"{line}: decoded as {type(decoded).__name__}")
        elif missing := unmapped_paths(line.message, decoded, resolve_raw):
            problems.append(f"{line}: unmapped {missing}")
    assert not problems, "\n".join(problems)


def test_captured_trading_responses_decode_with_every_key_mapped(
    lines: list[CaptureLine],
) -> None:
    problems = []
    for line in trading_lines(lines):
        response = tw.TRADING_RESPONSE_DECODER.decode(line.raw)
        if missing := unmapped_paths(line.message, response, resolve_raw):
            problems.append(f"{line}: unmapped {missing}")
        if response.success:
            assert response.error is None, line
        else:
            assert isinstance(response.error, str), line
            assert response.result == msgspec.Raw(), line
    assert not problems, "\n".join(problems)


def test_captured_private_subscribe_acks_decode_with_every_key_mapped(
    lines: list[CaptureLine],
) -> None:
    def resolve(owner: msgspec.Struct, name: str) -> msgspec.json.Decoder[Any] | None:
        return wire.SUBSCRIBE_RESULT_DECODER if name == "result" else None

    acks = [
        line
        for line in lines
        if line.message.get("method") == "subscribe"
        and line.message.get("result", {}).get("channel") in PRIVATE_CHANNELS
    ]
    assert len(acks) == 3
    for line in acks:
        assert_fully_mapped(line.raw, wire.RESPONSE_DECODER.decode(line.raw), resolve)


def test_the_checker_fails_on_a_captured_field_the_models_do_not_map(
    lines: list[CaptureLine],
) -> None:
    message = find(lines, "test_execution_stop_loss_limit_order_update_pending").message
    message["data"][0]["triggers"]["brand_new"] = 1
    message["data"][0]["also_new"] = "x"
    frame = json.dumps(message)
    decoded = pw.PRIVATE_CHANNEL_DECODER.decode(frame)
    assert unmapped_paths(json.loads(frame), decoded, resolve_raw) == [
        "$.data[0].triggers.brand_new",
        "$.data[0].also_new",
    ]


def test_captured_execution_trade_snapshot_values(lines: list[CaptureLine]) -> None:
    message = pw.PRIVATE_CHANNEL_DECODER.decode(find(lines, "test_execution_trades_snapshot").raw)
    assert isinstance(message, pw.ExecutionsMessage)
    assert (message.type, message.sequence, len(message.data)) == ("snapshot", 1, 4)
    first, second = message.data[:2]
    assert (first.exec_type, first.order_status, first.side) == ("trade", "filled", "sell")
    assert str(first.last_qty) == "0.00016000"  # exact wire digits
    assert first.fees == [pw.FeeWire(asset="USD", qty=Decimal("0.04051"))]
    assert (second.margin, second.margin_borrow, second.liquidated) == (True, True, True)
    assert second.liquidity_ind == "m"


def test_captured_stop_loss_carries_triggers_and_deprecated_fields(
    lines: list[CaptureLine],
) -> None:
    line = find(lines, "test_execution_stop_loss_limit_order_update_pending")
    message = pw.PRIVATE_CHANNEL_DECODER.decode(line.raw)
    assert isinstance(message, pw.ExecutionsMessage)
    [report] = message.data
    assert report.triggers == pw.TriggersWire(
        reference="index", price=Decimal("0.2"), price_type="static", status="untriggered"
    )
    assert (report.stop_price, report.trigger, report.time_in_force) == (
        Decimal("0.2"),
        "index",
        "GTC",
    )


def test_captured_balances_decode_per_message_type(lines: list[CaptureLine]) -> None:
    snapshot = pw.PRIVATE_CHANNEL_DECODER.decode(find(lines, "test_balances_snapshot").raw)
    assert isinstance(snapshot, pw.BalancesMessage)
    balances = pw.BALANCES_DATA_DECODERS[snapshot.type].decode(snapshot.data)
    assert [b.asset for b in balances] == ["BRICK", "KAR", "KEEP", "MULTI", "USD"]
    assert balances[-1].wallets == [pw.WalletWire(type="spot", id="main", balance=Decimal("1.34"))]
    for line in (line for line in lines if line.label == "test_balances_updates"):
        update = pw.PRIVATE_CHANNEL_DECODER.decode(line.raw)
        assert isinstance(update, pw.BalancesMessage)
        [ledger] = pw.BALANCES_DATA_DECODERS[update.type].decode(update.data)
        assert isinstance(ledger, pw.LedgerWire)
        assert (ledger.type, ledger.category, ledger.wallet_id) == ("trade", "trade", "main")
    with pytest.raises(msgspec.ValidationError):  # snapshot entries are not ledger entries
        pw.BALANCES_DATA_DECODERS["update"].decode(snapshot.data)


def test_captured_level3_update_carries_events(lines: list[CaptureLine]) -> None:
    message = pw.PRIVATE_CHANNEL_DECODER.decode(find(lines, "test_l3_update").raw)
    assert isinstance(message, pw.Level3Message)
    [book] = message.data
    assert [(o.event, str(o.order_qty)) for o in book.bids] == [
        ("delete", "0.22540000"),
        ("add", "2.82230268"),
    ]
    assert (book.checksum, book.asks) == (2143854316, [])
    snapshot = pw.PRIVATE_CHANNEL_DECODER.decode(find(lines, "test_l3_snapshot").raw)
    assert isinstance(snapshot, pw.Level3Message)
    assert all(o.event is None for o in snapshot.data[0].bids + snapshot.data[0].asks)


def test_captured_results_decode_to_their_structs(lines: list[CaptureLine]) -> None:
    def result(label: str) -> Any:
        response = tw.TRADING_RESPONSE_DECODER.decode(find(lines, label).raw)
        assert response.success is True
        return tw.RESULT_DECODERS[response.method].decode(response.result)

    assert result("test_add_order") == tw.AddOrderResult(
        order_id="OPS23M-VS41G-DDE5Z2", cl_ord_id="client-zero"
    )
    assert result("test_amend_order") == tw.AmendOrderResult(
        amend_id="1M2JV8-OEJZD-G5GSBF", order_id="BQS60L-EGW18-UPAK9U"
    )
    assert result("test_edit_order").original_order_id == "K1FF7H-A13AR-Q1S9Z6"
    assert result("test_cancel_order_by_client_order_id") == tw.CancelOrderResult(
        cl_ord_id="a-uuid"
    )
    assert result("test_cancel_all_orders") == tw.CountResult(count=0)
    timer = result("test_cancel_on_disconnect")
    assert timer.current_time == datetime(2024, 5, 19, 19, 22, 20, tzinfo=UTC)
    assert timer.trigger_time == "2024-05-19T19:22:25Z"
    assert [r.order_id for r in result("test_batch_add")] == [
        "JQDNTT-MZEIZ-OZKUDD",
        "X67GEK-3VQWM-HPNQ89",
    ]
    batch_cancel = tw.TRADING_RESPONSE_DECODER.decode(find(lines, "test_batch_cancel").raw)
    assert (batch_cancel.orders_cancelled, batch_cancel.result) == (2, msgspec.Raw())


def test_private_union_joins_the_public_one(lines: list[CaptureLine]) -> None:
    decoder = msgspec.json.Decoder(wire.ChannelMessage | pw.PrivateChannelMessage)
    for line in lines:
        if "channel" in line.message:
            decoded = decoder.decode(line.raw)
            assert type(decoded).__struct_config__.tag == line.message["channel"], str(line)


# --- the spec's channel examples --------------------------------------------------------------

SPEC_CHANNEL_MESSAGES = [
    # §7.1 executions lifecycle
    '{"channel":"executions","type":"update","data":[{"order_id":"OK4GJX-KSTLS-7DZZO5","order_userref":3,"symbol":"BTC/USD","order_qty":0.005,"cum_cost":0.0,"time_in_force":"GTC","exec_type":"pending_new","side":"sell","order_type":"limit","limit_price_type":"static","limit_price":26500.0,"stop_price":0.0,"order_status":"pending_new","fee_usd_equiv":0.0,"fee_ccy_pref":"fciq","timestamp":"2023-09-22T10:33:05.709950Z"}],"sequence":8}',
    '{"channel":"executions","type":"update","data":[{"timestamp":"2023-09-22T10:33:05.709982Z","order_status":"new","exec_type":"new","order_userref":3,"order_id":"OK4GJX-KSTLS-7DZZO5"}],"sequence":9}',
    '{"channel":"executions","type":"update","data":[{"order_id":"OK4GJX-KSTLS-7DZZO5","order_userref":3,"exec_id":"TGBB7L-HT5LX-J3BZ4A","exec_type":"trade","trade_id":62887576,"symbol":"BTC/USD","side":"sell","last_qty":0.005,"last_price":26599.9,"liquidity_ind":"t","cost":132.9995,"order_type":"limit","timestamp":"2023-09-22T10:33:05.709993Z","order_status":"partially_filled","cum_qty":0.005,"cum_cost":132.9995,"avg_price":26599.9,"fee_usd_equiv":0.3458,"fees":[{"asset":"USD","qty":0.3458}]}],"sequence":10}',
    # §7.2 balances
    '{"channel":"balances","type":"snapshot","sequence":1,"data":[{"asset":"BTC","asset_class":"currency","balance":1.2,"wallets":[{"type":"spot","id":"main","balance":1.2}]},{"asset":"MATIC","asset_class":"currency","balance":500,"wallets":[{"type":"spot","id":"main","balance":300},{"type":"earn","id":"flex","balance":200}]}]}',
    '{"channel":"balances","type":"update","sequence":9,"data":[{"ledger_id":"AAICKV-NMQSR-ZO5IJD","ref_id":"AGBB7L-HT5LX-J3BB4A","timestamp":"2023-09-22T10:33:05.710082Z","type":"trade","asset":"BTC","asset_class":"currency","category":"trade","wallet_type":"spot","wallet_id":"main","amount":-0.005,"fee":0.0,"balance":0.005}]}',
    # §6.5 level3 (the doc's snapshot timestamp is elided as "..."; a real one stands in)
    '{"channel":"level3","type":"snapshot","data":[{"symbol":"MATIC/USD","checksum":281817320,"bids":[{"order_id":"O6ZQNQ-BXL4E-5WGINO","limit_price":0.5629,"order_qty":111.56125344,"timestamp":"2023-10-06T17:35:00.279389650Z"}],"asks":[{"order_id":"OLLSXO-HDMT3-BUOKEI","limit_price":0.563,"order_qty":4422.9978357,"timestamp":"2023-10-06T18:18:20.734897896Z"}],"timestamp":"2023-10-06T18:20:00.000000000Z"}]}',
    '{"channel":"level3","type":"update","data":[{"checksum":2841398499,"symbol":"MATIC/USD","bids":[],"asks":[{"event":"delete","order_id":"OOIATY-6EIWY-ACVIUN","limit_price":0.5636,"order_qty":302.89736033,"timestamp":"2023-10-06T18:21:00.097010033Z"},{"event":"add","order_id":"O2BN53-5RSB2-V3J57T","limit_price":0.564,"order_qty":3500.77668626,"timestamp":"2023-10-06T18:20:27.383408052Z"}]}]}',
]


@pytest.mark.parametrize("frame", SPEC_CHANNEL_MESSAGES)
def test_spec_channel_examples_round_trip(frame: str) -> None:
    decoded = pw.PRIVATE_CHANNEL_DECODER.decode(frame)
    assert_fully_mapped(frame, decoded, resolve_raw)
    encoded = wire.ENCODER.encode(decoded)
    assert exact(encoded) == exact(frame)
    assert pw.PRIVATE_CHANNEL_DECODER.decode(encoded) == decoded


# --- the spec's requests and responses --------------------------------------------------------

TOKEN = "G38a1tGFzqGiUCmnegBcm8d4nfP3tytiNQz6tkCBYXY"
SPEC_REQUESTS = [
    # §8.1 add_order, then its stop-loss, trailing-stop and OTO examples
    '{"method":"add_order","params":{"order_type":"limit","side":"buy","limit_price":26500.4,"order_userref":100054,"order_qty":1.2,"symbol":"BTC/USD","token":"G38a1tGFzqGiUCmnegBcm8d4nfP3tytiNQz6tkCBYXY"},"req_id":123456789}',
    '{"method":"add_order","params":{"order_type":"stop-loss","side":"sell","order_qty":100,"symbol":"MATIC/USD","triggers":{"reference":"last","price":-2.0,"price_type":"pct"},"token":"..."}}',
    '{"method":"add_order","params":{"order_type":"trailing-stop","side":"buy","order_qty":100,"symbol":"MATIC/USD","triggers":{"reference":"last","price":1.0,"price_type":"pct"},"token":"..."}}',
    '{"method":"add_order","params":{"order_type":"limit","side":"buy","order_qty":1.2,"symbol":"BTC/USD","limit_price":28440,"conditional":{"order_type":"stop-loss-limit","trigger_price":28410,"limit_price":28400},"token":"..."}}',
    # §8.2-8.8
    '{"method":"amend_order","params":{"cl_ord_id":"2c6be801-1f53-4f79-a0bb-4ea1c95dfae9","limit_price":490795,"order_qty":1.2,"token":"..."}}',
    '{"method":"edit_order","params":{"order_id":"ORDERX-IDXXX-XXXXX1","order_qty":0.2123456789,"symbol":"BTC/USD","token":"..."},"req_id":1234567890}',
    '{"method":"cancel_order","params":{"order_id":["OM5CRX-N2HAL-GFGWE9","OLUMT4-UTEGU-ZYM7E9"],"token":"..."},"req_id":123456789}',
    '{"method":"cancel_all","params":{"token":"..."},"req_id":1234567890}',
    '{"method":"cancel_all_orders_after","params":{"timeout":100,"token":"..."},"req_id":1234567890}',
    '{"method":"batch_add","params":{"deadline":"2022-06-13T08:09:10.123456Z","orders":[{"limit_price":1010.10,"order_qty":0.123456789,"order_type":"limit","order_userref":1,"side":"buy"},{"limit_price":2020.20,"order_qty":0.987654321,"order_type":"limit","order_userref":2,"side":"sell","stp_type":"cancel_both"}],"symbol":"BTC/USD","token":"...","validate":false},"req_id":1234567890}',
    '{"method":"batch_cancel","params":{"orders":["1","2","ORDERX-IDXXX-XXXXX3"],"token":"..."},"req_id":1234567890}',
]


SUBSCRIBE_PARAMS: Any = (
    pw.ExecutionsSubscribeParams | pw.BalancesSubscribeParams | pw.Level3SubscribeParams
)
"""subscribe / unsubscribe params: a union tagged on ``channel``."""


def decode_request(frame: str | bytes) -> tw.PrivateRequest[Any]:
    method: str = json.loads(frame)["method"]
    params: Any = tw.METHOD_PARAMS.get(method, SUBSCRIBE_PARAMS)
    request: tw.PrivateRequest[Any] = msgspec.json.decode(frame, type=tw.PrivateRequest[params])
    return request


@pytest.mark.parametrize("frame", SPEC_REQUESTS)
def test_spec_requests_encode_to_exactly_the_spec_json(frame: str) -> None:
    request = decode_request(frame)
    assert type(request.params) is tw.METHOD_PARAMS[request.method]
    assert_fully_mapped(frame, request)
    assert exact(wire.ENCODER.encode(request)) == exact(frame)


def test_requests_built_in_code_encode_numbers_exactly() -> None:
    request = tw.PrivateRequest(
        method="batch_add",
        params=tw.BatchAddParams(
            symbol="BTC/USD",
            token="...",
            deadline=datetime(2022, 6, 13, 8, 9, 10, 123456, tzinfo=UTC),
            validate=False,
            orders=[
                tw.BatchOrder(
                    order_type="limit",
                    side="buy",
                    order_qty=Decimal("0.123456789"),
                    limit_price=Decimal("1010.10"),
                    order_userref=1,
                ),
                tw.BatchOrder(
                    order_type="limit",
                    side="sell",
                    order_qty=Decimal("0.987654321"),
                    limit_price=Decimal("2020.20"),
                    order_userref=2,
                    stp_type="cancel_both",
                ),
            ],
        ),
        req_id=1234567890,
    )
    assert exact(wire.ENCODER.encode(request)) == exact(SPEC_REQUESTS[-2])
    stop = tw.AddOrderParams(
        order_type="stop-loss",
        side="sell",
        order_qty=Decimal("100"),
        symbol="MATIC/USD",
        token="t",
        triggers=tw.TriggersParams(price=Decimal("-2.0"), reference="last", price_type="pct"),
    )
    assert wire.ENCODER.encode(stop) == (
        b'{"order_type":"stop-loss","side":"sell","order_qty":100,'
        b'"triggers":{"price":-2.0,"reference":"last","price_type":"pct"},'
        b'"symbol":"MATIC/USD","token":"t"}'
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            pw.ExecutionsSubscribeParams(
                token="t", snap_orders=True, snap_trades=True, order_status=False, ratecounter=True
            ),
            '{"channel":"executions","token":"t","snap_orders":true,"snap_trades":true,'
            '"order_status":false,"ratecounter":true}',
        ),
        (
            pw.ExecutionsSubscribeParams(token="t", rebased=False, users="all"),
            '{"channel":"executions","token":"t","rebased":false,"users":"all"}',
        ),
        (
            pw.BalancesSubscribeParams(token="t", snapshot=True, rebased=True, users="all"),
            '{"channel":"balances","token":"t","snapshot":true,"rebased":true,"users":"all"}',
        ),
        (
            pw.Level3SubscribeParams(token="t", symbol=["BTC/USD"], depth=100, snapshot=False),
            '{"channel":"level3","token":"t","symbol":["BTC/USD"],"depth":100,"snapshot":false}',
        ),
        (pw.Level3SubscribeParams(token="t", symbol=["BTC/USD"]), None),
    ],
)
def test_subscribe_params_encode_to_the_spec_keys(
    params: msgspec.Struct, expected: str | None
) -> None:
    frame = wire.ENCODER.encode(tw.PrivateRequest(method="subscribe", params=params, req_id=1))
    if expected is None:  # only what was set: the channel is always there
        expected = '{"channel":"level3","token":"t","symbol":["BTC/USD"]}'
    assert json.loads(frame)["params"] == json.loads(expected)
    assert decode_request(frame).params == params


SPEC_RESPONSES = [
    '{"method":"add_order","req_id":123456789,"result":{"order_id":"AA5JGQ-SBMRC-SCJ7J7","order_userref":100054},"success":true,"time_in":"2023-09-21T14:15:07.197274Z","time_out":"2023-09-21T14:15:07.205301Z"}',
    '{"method":"add_order","req_id":99,"success":false,"error":"EOrder:Insufficient funds",'
    '"time_in":"2023-09-21T14:15:07.197274Z","time_out":"2023-09-21T14:15:07.205301Z"}',
    '{"method":"amend_order","result":{"amend_id":"TTW6PD-RC36L-ZZSWNU","cl_ord_id":"2c6be801-1f53-4f79-a0bb-4ea1c95dfae9"},"success":true,"time_in":"2024-07-26T13:39:04.922699Z","time_out":"2024-07-26T13:39:04.924912Z"}',
    '{"method":"edit_order","req_id":1234567890,"result":{"order_id":"ORDERX-IDXXX-XXXXX2","original_order_id":"ORDERX-IDXXX-XXXXX1"},"success":true,"time_in":"2022-07-15T12:56:09.876488Z","time_out":"2022-07-15T12:56:09.923422Z"}',
    '{"method":"cancel_order","req_id":123456789,"result":{"order_id":"OLUMT4-UTEGU-ZYM7E9"},"success":true,"time_in":"2023-09-21T14:36:57.428972Z","time_out":"2023-09-21T14:36:57.437952Z"}',
    '{"method":"cancel_all","req_id":1234567890,"result":{"count":1},"success":true,"time_in":"2023-09-26T13:09:48.463201Z","time_out":"2023-09-26T13:09:48.471419Z"}',
    '{"method":"cancel_all_orders_after","req_id":1234567890,"result":{"currentTime":"2023-09-21T15:49:29Z","triggerTime":"2023-09-21T15:51:09Z"},"success":true,"time_in":"2023-09-21T15:49:28.627900Z","time_out":"2023-09-21T15:49:28.649057Z"}',
    # not in the spec's text: triggerTime "0" when disarmed (§8.6, assumed as in v1)
    '{"method":"cancel_all_orders_after","req_id":1,"result":{"currentTime":"2023-09-21T15:49:29Z","triggerTime":"0"},"success":true,"time_in":"2023-09-21T15:49:28.627900Z","time_out":"2023-09-21T15:49:28.649057Z"}',
    '{"method":"batch_add","req_id":1234567890,"result":[{"order_id":"ORDERX-IDXXX-XXXXX1","order_userref":1},{"order_id":"ORDERX-IDXXX-XXXXX2","order_userref":2}],"success":true,"time_in":"2022-06-13T08:09:10.123456Z","time_out":"2022-06-13T08:09:10.7890123"}',
    '{"method":"batch_cancel","req_id":1234567890,"result":{"count":3},"success":true,"time_in":"2022-06-13T08:09:10.123456Z","time_out":"2022-06-13T08:09:10.7890123"}',
    # not in the spec's text: a validate-only order (order_id "") with warnings
    '{"method":"add_order","req_id":5,"result":{"order_id":"","cl_ord_id":"x",'
    '"warnings":["stop_price is deprecated"]},'
    '"success":true,"time_in":"2023-09-21T14:15:07.197274Z","time_out":"2023-09-21T14:15:07.205301Z"}',
]


@pytest.mark.parametrize("frame", SPEC_RESPONSES)
def test_spec_responses_decode_with_every_key_mapped(frame: str) -> None:
    response = tw.TRADING_RESPONSE_DECODER.decode(frame)
    assert_fully_mapped(frame, response, resolve_raw)
    result = json.loads(frame).get("result")
    if result is not None:
        decoded = tw.RESULT_DECODERS[response.method].decode(response.result)
        assert exact(wire.ENCODER.encode(decoded)) == normalized(result)


# --- enumerations -------------------------------------------------------------------------------

NEW = (
    '{"channel":"executions","type":"update","sequence":2,'
    '"data":[{"order_id":"O1","exec_type":"new","order_status":"new"}]}'
)


def test_unknown_exec_type_and_order_status_are_kept_not_rejected() -> None:
    frame = NEW.replace('"exec_type":"new"', '"exec_type":"frozen"')
    frame = frame.replace('"order_status":"new"', '"order_status":"on_hold"')
    message = pw.PRIVATE_CHANNEL_DECODER.decode(frame)
    assert isinstance(message, pw.ExecutionsMessage)
    [report] = message.data
    assert (report.exec_type, report.order_status) == ("frozen", "on_hold")
    assert report.exec_type not in pw.EXEC_TYPES
    assert report.order_status not in pw.ORDER_STATUSES
    assert {"restated", "iceberg_refill", "status"} <= pw.EXEC_TYPES
    assert "partially_filled" in pw.ORDER_STATUSES


@pytest.mark.parametrize(
    "frame",
    [
        NEW.replace('"order_status"', '"side":"short","order_status"'),
        NEW.replace('"order_status"', '"liquidity_ind":"x","order_status"'),
        NEW.replace('"type":"update"', '"type":"delta"'),
        NEW.replace(',"sequence":2', ""),
        NEW.replace('"order_id":"O1",', ""),
        '{"channel":"level3","type":"update","data":[{"checksum":1,"symbol":"A/B","bids":[],'
        '"asks":[{"event":"replace","order_id":"O","limit_price":1,"order_qty":1,'
        '"timestamp":"2023-10-06T18:21:00.097010033Z"}]}]}',
    ],
)
def test_closed_enumerations_and_required_fields_are_enforced(frame: str) -> None:
    with pytest.raises(msgspec.ValidationError):
        pw.PRIVATE_CHANNEL_DECODER.decode(frame)


def test_every_method_has_params_and_a_result_decoder() -> None:
    assert set(tw.RESULT_DECODERS) == set(tw.METHOD_PARAMS) == TRADING_METHODS
    assert len(TRADING_METHODS) == 8
