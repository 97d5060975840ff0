"""KrakenV2PrivateProtocol: private channels, sequence checks, trading answers, level3.

Real frames from tests/data/kraken-async-rs/v2_messages.jsonl where they exist;
synthetic frames for the sequences a capture cannot show (gaps, multi-answer cancels).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from helpers.captures import CaptureLine, load_jsonl
from helpers.kraken_v2 import BTC_USD
from spotstream.book.l3 import L3Book
from spotstream.book.tracked import ApplyResult
from spotstream.errors import (
    AuthenticationError,
    InvalidRequestError,
    RequestError,
    UnknownSymbolError,
)
from spotstream.models.market import EventKind, OrderSide
from spotstream.models.orders import (
    Balance,
    CancelAfter,
    CancelledOrder,
    LedgerEntry,
    OrderUpdate,
    PlacedOrder,
)
from spotstream.protocol.events import BookData, ChannelData, RequestDone, SequenceGap, Unhandled
from spotstream.protocol.kraken.checksum import kraken_l3_checksum, kraken_l3_level_text
from spotstream.protocol.kraken.v2.private import KrakenV2PrivateProtocol
from spotstream.protocol.kraken.v2.private_wire import L3OrderWire
from spotstream.protocol.kraken.v2.trading_wire import CancelOrderParams


def frame(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def executions(kind: str, sequence: int, *reports: dict[str, Any]) -> bytes:
    return frame(
        {"channel": "executions", "type": kind, "data": list(reports), "sequence": sequence}
    )


def private() -> KrakenV2PrivateProtocol:
    protocol = KrakenV2PrivateProtocol("private")
    protocol.token = "TOKEN"
    return protocol


@pytest.fixture(scope="module")
def lines(captures: Path) -> list[CaptureLine]:
    loaded: list[CaptureLine] = load_jsonl(captures / "kraken-async-rs" / "v2_messages.jsonl")
    return loaded


def _channel_lines(lines: list[CaptureLine], channel: str) -> list[CaptureLine]:
    return [line for line in lines if line.raw.startswith(f'{{"channel":"{channel}"')]


# --- captured private channel frames ------------------------------------------------------


def test_every_captured_executions_frame_becomes_order_updates(lines: list[CaptureLine]) -> None:
    found = _channel_lines(lines, "executions")
    assert len(found) == 6  # every executions frame of the capture
    for line in found:
        events = private().receive(line.raw)
        data = [e for e in events if isinstance(e, ChannelData)]
        assert len(data) == 1, line
        assert data[0].key == ("executions", "", None)
        assert all(isinstance(item, OrderUpdate) for item in data[0].items)
        assert len(data[0].items) == len(line.message["data"])


def test_captured_trade_snapshot_carries_exact_fills(lines: list[CaptureLine]) -> None:
    (line,) = [x for x in lines if x.label == "test_execution_trades_snapshot"][:1]
    (event,) = private().receive(line.raw)
    assert isinstance(event, ChannelData)
    first = event.items[0]
    assert isinstance(first, OrderUpdate)
    assert first.fill is not None
    assert first.fill.quantity == Decimal("0.00016000")
    assert first.fill.price == Decimal("63377.2")
    assert first.fill.maker is False
    assert first.side is OrderSide.SELL


def test_captured_balances_snapshot_and_updates(lines: list[CaptureLine]) -> None:
    found = _channel_lines(lines, "balances")
    kinds = set()
    for line in found:
        (event,) = private().receive(line.raw)
        assert isinstance(event, ChannelData)
        expected = Balance if line.message["type"] == "snapshot" else LedgerEntry
        assert all(isinstance(item, expected) for item in event.items)
        kinds.add(event.kind)
    assert kinds == {EventKind.SNAPSHOT, EventKind.UPDATE}


def test_public_channels_and_foreign_frames_are_not_private_data() -> None:
    protocol = private()
    (event,) = protocol.receive(b'{"channel":"book","type":"update","data":[]}')
    assert isinstance(event, Unhandled)
    with pytest.raises(InvalidRequestError, match="not available on the private endpoint"):
        protocol.subscribe("ticker", ["BTC/USD"])
    with pytest.raises(InvalidRequestError, match="not available on the l3 endpoint"):
        KrakenV2PrivateProtocol("l3").subscribe("executions")


# --- sequence numbers ---------------------------------------------------------------------


def test_consecutive_sequences_pass_and_a_gap_is_reported_once_until_the_snapshot() -> None:
    protocol = private()
    order = {"order_id": "O1", "exec_type": "new", "order_status": "new"}
    assert not _gaps(protocol.receive(executions("snapshot", 1, order)))
    assert not _gaps(protocol.receive(executions("update", 2, order)))
    assert not _gaps(protocol.receive(executions("update", 3, order)))
    (gap,) = _gaps(protocol.receive(executions("update", 5, order)))
    assert (gap.channel, gap.expected, gap.received) == ("executions", 4, 5)
    assert "executions" in protocol.stale
    assert not _gaps(protocol.receive(executions("update", 9, order)))  # stale: once only
    assert not _gaps(protocol.receive(executions("snapshot", 1, order)))
    assert "executions" not in protocol.stale
    (dropped,) = protocol.receive(executions("update", 1, order))  # a repeat: never delivered
    assert isinstance(dropped, Unhandled)
    assert dropped.kind == "executions:repeated"
    assert protocol.feeds.repeated["executions"] == 1
    assert not _gaps(protocol.receive(executions("update", 2, order)))  # the next one is fine


def test_a_repeated_or_older_message_is_dropped_and_a_fill_is_delivered_once() -> None:
    protocol = private()
    order = {"order_id": "O1", "exec_type": "new", "order_status": "new"}
    fill = {
        "order_id": "O1", "exec_type": "trade", "order_status": "partially_filled",
        "exec_id": "E1", "last_qty": 0.5, "last_price": 100, "symbol": "BTC/USD", "side": "buy",
        "timestamp": "2024-01-01T00:00:00.000000Z",
    }  # fmt: skip
    protocol.receive(executions("snapshot", 1, order))
    (first,) = protocol.receive(executions("update", 2, fill))
    assert isinstance(first, ChannelData)
    assert [u.fill.exec_id for u in first.items] == ["E1"]
    for again in (2, 1):  # the same message replayed, then an older one
        (dropped,) = protocol.receive(executions("update", again, fill))
        assert isinstance(dropped, Unhandled)
    (later,) = protocol.receive(executions("update", 3, fill))  # the same fill, renumbered
    assert isinstance(later, ChannelData)
    assert later.items == []
    assert protocol.feeds.repeated_fills == 1
    protocol.connection_lost()
    protocol.receive(executions("snapshot", 1, order))
    (after,) = protocol.receive(executions("update", 2, fill))  # remembered across reconnects
    assert after.items == []


def test_balances_sequences_are_checked_separately() -> None:
    protocol = private()
    snapshot = {"channel": "balances", "type": "snapshot", "sequence": 1, "data": []}
    ledger = (
        '{"ledger_id":"L1","ref_id":"T1","timestamp":"2024-05-24T14:01:53.526524Z",'
        '"type":"trade","asset":"USD","amount":-1.25,"fee":0,"balance":98.75}'
    )

    def update(sequence: int) -> str:
        return f'{{"channel":"balances","type":"update","sequence":{sequence},"data":[{ledger}]}}'

    assert not _gaps(protocol.receive(frame(snapshot)))
    events = protocol.receive(update(2))
    assert not _gaps(events)
    (data,) = events
    assert isinstance(data, ChannelData)
    assert data.items[0].balance == Decimal("98.75")
    (gap,) = _gaps(protocol.receive(update(4)))
    assert gap.channel == "balances"
    assert "executions" not in protocol.stale


def _gaps(events: list[Any]) -> list[SequenceGap]:
    return [e for e in events if isinstance(e, SequenceGap)]


def test_ratecount_is_kept_per_symbol_and_maxratecount_from_the_ack() -> None:
    protocol = private()
    out = protocol.subscribe("executions", ratecounter=True, snap_orders=True)
    sent = json.loads(out.frame)
    assert sent["params"] == {
        "channel": "executions",
        "token": "TOKEN",
        "snap_orders": True,
        "ratecounter": True,
    }
    ack = {
        "method": "subscribe",
        "req_id": out.req_id,
        "success": True,
        "result": {"channel": "executions", "maxratecount": 125, "snapshot": True},
    }
    (done,) = protocol.receive(frame(ack))
    assert isinstance(done, RequestDone)
    assert not done.errors
    assert protocol.maxratecount == 125
    report = {"order_id": "O1", "exec_type": "new", "symbol": "BTC/USD", "ratecount": 7}
    protocol.receive(executions("update", 1, report))
    assert protocol.ratecounts == {"BTC/USD": 7}


def test_private_subscriptions_need_a_token() -> None:
    protocol = KrakenV2PrivateProtocol("private")
    with pytest.raises(InvalidRequestError, match="token"):
        protocol.subscribe("balances")


def test_unsubscribe_echoes_the_token() -> None:
    protocol = private()
    out = protocol.subscribe("balances", snapshot=True)
    protocol.receive(
        frame(
            {
                "method": "subscribe",
                "req_id": out.req_id,
                "success": True,
                "result": {"channel": "balances"},
            }
        )
    )
    sent = json.loads(protocol.unsubscribe("balances").frame)
    assert sent["method"] == "unsubscribe"
    assert sent["params"] == {"channel": "balances", "token": "TOKEN"}


# --- trading answers ----------------------------------------------------------------------


def _answer(req_id: int, method: str, **fields: Any) -> bytes:
    return frame(
        {"method": method, "req_id": req_id, "time_in": "2024-05-19T19:18:44.987402Z", **fields}
    )


def test_add_order_answer_becomes_a_placed_order() -> None:
    protocol = private()
    out = protocol.trading(
        "add_order", CancelOrderParams(token="T")
    )  # params shape irrelevant here
    result = {"order_id": "OPS23M-VS41G-DDE5Z2", "cl_ord_id": "client-zero"}
    (done,) = protocol.receive(_answer(out.req_id, "add_order", success=True, result=result))
    assert isinstance(done, RequestDone)
    assert done.results == [PlacedOrder("OPS23M-VS41G-DDE5Z2", "client-zero")]


def test_cancel_order_gathers_one_answer_per_identifier() -> None:
    protocol = private()
    params = CancelOrderParams(token="T", order_id=["A", "B"])
    out = protocol.trading("cancel_order", params, expected=2)
    first = _answer(out.req_id, "cancel_order", success=True, result={"order_id": "A"})
    assert protocol.receive(first) == []
    second = _answer(out.req_id, "cancel_order", success=False, error="EOrder:Unknown order")
    (done,) = protocol.receive(second)
    assert isinstance(done, RequestDone)
    assert done.results == [CancelledOrder("A")]
    (error,) = done.errors
    assert isinstance(error, RequestError)
    assert error.error == "EOrder:Unknown order"


def test_batch_cancel_both_shapes_and_cancel_after() -> None:
    protocol = private()
    out = protocol.trading("batch_cancel", CancelOrderParams(token="T"))
    (done,) = protocol.receive(
        _answer(out.req_id, "batch_cancel", success=True, orders_cancelled=2)
    )
    assert done == RequestDone(out.req_id, "batch_cancel", [2])
    out = protocol.trading("batch_cancel", CancelOrderParams(token="T"))
    (done,) = protocol.receive(
        _answer(out.req_id, "batch_cancel", success=True, result={"count": 3})
    )
    assert isinstance(done, RequestDone)
    assert done.results == [3]
    out = protocol.trading("cancel_all_orders_after", CancelOrderParams(token="T"))
    result = {"currentTime": "2023-09-21T15:49:29Z", "triggerTime": "0"}
    (done,) = protocol.receive(
        _answer(out.req_id, "cancel_all_orders_after", success=True, result=result)
    )
    assert isinstance(done, RequestDone)
    (after,) = done.results
    assert isinstance(after, CancelAfter)
    assert after.trigger_time is None


def test_token_errors_are_authentication_errors() -> None:
    protocol = private()
    out = protocol.trading("add_order", CancelOrderParams(token="T"))
    (done,) = protocol.receive(
        _answer(out.req_id, "add_order", success=False, error="EAPI:Invalid token")
    )
    assert isinstance(done, RequestDone)
    assert isinstance(done.errors[0], AuthenticationError)


def test_captured_error_answers_keep_the_exchange_text(lines: list[CaptureLine]) -> None:
    (line,) = [x for x in lines if "Permission denied" in x.raw and "add_order" in x.raw][:1]
    protocol = private()
    out = protocol.trading("add_order", CancelOrderParams(token="T"))
    assert out.req_id == 1
    raw = line.raw.replace('"req_id":0', f'"req_id":{out.req_id}')
    (done,) = protocol.receive(raw)
    assert isinstance(done, RequestDone)
    assert done.errors[0].error == "EGeneral:Permission denied"


def test_connection_lost_forgets_pending_trading_and_sequences() -> None:
    protocol = private()
    protocol.trading("cancel_all", CancelOrderParams(token="T"))
    protocol.receive(executions("snapshot", 4))
    protocol.connection_lost()
    assert protocol.pending_request_ids() == []
    assert protocol.sequences == {}


# --- level3 -------------------------------------------------------------------------------


def test_level3_needs_instruments_then_verifies_every_message() -> None:
    protocol = KrakenV2PrivateProtocol("l3")
    protocol.token = "T"
    with pytest.raises(UnknownSymbolError):
        protocol.subscribe("level3", ["BTC/USD"], depth=10)
    protocol.instruments.update([BTC_USD], [], replace=True)
    with pytest.raises(InvalidRequestError, match="depth"):
        protocol.subscribe("level3", ["BTC/USD"], depth=25)
    out = protocol.subscribe("level3", ["BTC/USD"], depth=10)
    assert json.loads(out.frame)["params"] == {
        "channel": "level3",
        "token": "T",
        "symbol": ["BTC/USD"],
        "depth": 10,
    }
    bids = [_order("B1", "100.0", "1.5"), _order("B2", "100.0", "0.5")]
    asks = [_order("A1", "100.5", "2")]
    reference = L3Book(10, 1, 8, kraken_l3_level_text)
    reference.apply_snapshot(_entries(bids), _entries(asks))
    head = '{"channel":"level3","type":"snapshot","data":[{"symbol":"BTC/USD",'
    sides = f'"bids":[{",".join(bids)}],"asks":[{",".join(asks)}]'
    snapshot = f'{head}"checksum":{kraken_l3_checksum(reference)},{sides}}}]}}'
    (event,) = protocol.receive(snapshot)
    assert isinstance(event, BookData)
    assert event.result is ApplyResult.VERIFIED
    delete = bids[0].replace("{", '{"event":"delete",', 1)
    bad = f'{{"symbol":"BTC/USD","checksum":1,"bids":[{delete}],"asks":[]}}'
    (event,) = protocol.receive(f'{{"channel":"level3","type":"update","data":[{bad}]}}')
    assert isinstance(event, BookData)
    assert event.result is ApplyResult.MISMATCH


def _order(order_id: str, price: str, qty: str) -> str:
    stamp = "2023-10-06T17:35:00.279389650Z"
    return (
        f'{{"order_id":"{order_id}","limit_price":{price},"order_qty":{qty},"timestamp":"{stamp}"}}'
    )


def _entries(orders: list[str]) -> list[L3OrderWire]:
    return [msgspec.json.decode(o, type=L3OrderWire) for o in orders]


def test_frames_of_a_dropped_level3_book_are_discarded_quietly() -> None:
    protocol = KrakenV2PrivateProtocol("l3")
    protocol.token = "T"
    protocol.instruments.update([BTC_USD], [], replace=True)
    protocol.subscribe("level3", ["BTC/USD"], depth=10)
    protocol.drop_book("BTC/USD")
    late = (
        '{"channel":"level3","type":"update",'
        '"data":[{"symbol":"BTC/USD","checksum":0,"bids":[],"asks":[]}]}'
    )
    assert protocol.receive(late) == []
    assert protocol.discarded == 1
    assert not protocol.unhandled


def test_level3_text_model_agrees_with_the_typed_model(lines: list[CaptureLine]) -> None:
    """The hot-path model keeps numbers as JSON text; they must be the typed model's numbers."""
    from spotstream.protocol.kraken.v2.l3_wire import Level3TextMessage
    from spotstream.protocol.kraken.v2.private_wire import PRIVATE_CHANNEL_DECODER

    found = _channel_lines(lines, "level3")
    assert len(found) == 2
    for line in found:
        typed = PRIVATE_CHANNEL_DECODER.decode(line.raw)
        text = msgspec.json.decode(line.raw, type=Level3TextMessage)
        assert typed.type == text.type
        for t_book, x_book in zip(typed.data, text.data, strict=True):
            assert (t_book.symbol, t_book.checksum) == (x_book.symbol, x_book.checksum)
            for t_side, x_side in ((t_book.bids, x_book.bids), (t_book.asks, x_book.asks)):
                assert [(o.order_id, o.limit_price, o.order_qty, o.event) for o in t_side] == [
                    (
                        o.order_id,
                        Decimal(bytes(o.limit_price).decode()),
                        Decimal(bytes(o.order_qty).decode()),
                        o.event,
                    )
                    for o in x_side
                ]
