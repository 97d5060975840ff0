"""Every sans-I/O decoder, each with the frames it is fuzzed from, for tests/protocol/test_fuzz.py.

A :class:`Decoder` builds its protocol with streams subscribed and requests pending (their
ids 1 to 4 or so, which the frames' request ids are rewritten to, so that answers reach a
request), and lists real frames of each of its channels: the captures in tests/data and the
venue's documented examples the other tests use.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from helpers import kraken_v2 as k
from helpers.captures import dumps_exact, load_jsonl
from helpers.coinex_private import BALANCE, DEAL, ORDER, STOP
from spotstream.protocol.coinex.v1.private import CoinExV1PrivateProtocol
from spotstream.protocol.coinex.v1.public import CoinExV1Protocol
from spotstream.protocol.coinex.v2.private import CoinExV2PrivateProtocol
from spotstream.protocol.coinex.v2.public import CoinExV2Protocol
from spotstream.protocol.kraken.v1.private import KrakenV1PrivateProtocol
from spotstream.protocol.kraken.v1.public import KrakenV1Protocol
from spotstream.protocol.kraken.v2.private import KrakenV2PrivateProtocol
from spotstream.protocol.kraken.v2.public import KrakenV2Protocol
from spotstream.protocol.kraken.v2.trading_wire import CancelOrderParams

DATA = Path(__file__).resolve().parent.parent / "data"
KRAKEN_V2_PRIVATE = ('"executions"', '"balances"', '"level3"', "_order", "batch_", "cancel_all")
KRAKEN_V1_PRIVATE = ("OPEN_ORDER", "OWN_TRADES", "ADD_ORDER", "CANCEL", "EDIT_ORDER")
ID_KEYS = ("req_id", "reqid", "id")


@dataclass(frozen=True)
class Decoder:
    name: str
    new: Callable[[], Any]
    corpus: Callable[[], list[bytes]]
    gzip: bool = False  # the venue compresses its frames (the decoder takes both)

    def encode(self, message: Any) -> bytes:
        frame = dumps_exact(message)
        return gzip.compress(frame, mtime=0) if self.gzip else frame


def _json(message: Any) -> bytes:
    return json.dumps(message).encode()


# --- Kraken v2 ------------------------------------------------------------------------------


def _kraken_v2_public() -> KrakenV2Protocol:
    protocol = KrakenV2Protocol()
    protocol.receive(k.instrument_snapshot())
    out = protocol.subscribe("book", ["BTC/USD"], depth=10)  # req_id 1, acknowledged
    protocol.receive(k.ack(out.req_id, "book", "BTC/USD"))
    protocol.subscribe("ticker", ["BTC/USD", "ETH/USD"])  # pending: 2 to 4
    protocol.subscribe("trade", ["BTC/USD"])
    protocol.subscribe("ohlc", ["BTC/USD"], interval=5)
    return protocol


def _kraken_v2_public_corpus() -> list[bytes]:
    lines = load_jsonl(DATA / "kraken-async-rs" / "v2_messages.jsonl")
    found = [
        line.raw.encode() for line in lines if not any(m in line.raw for m in KRAKEN_V2_PRIVATE)
    ]
    book = [("100.5", "1.5"), ("100.4", "2")], [("100.6", "0.25")]
    return [
        *found,
        k.book("snapshot", "BTC/USD", *book, 123),
        k.book("update", "BTC/USD", book[0][:1], [], 456),
        k.ticker("BTC/USD"),
        k.instrument_snapshot(),
        k.pong(1),
    ]


def _kraken_v2_private() -> KrakenV2PrivateProtocol:
    protocol = KrakenV2PrivateProtocol("private")
    protocol.token = "T"
    protocol.trading("add_order", CancelOrderParams(token="T"))
    protocol.trading("cancel_order", CancelOrderParams(token="T"), expected=2)
    protocol.trading("batch_cancel", CancelOrderParams(token="T"))
    protocol.subscribe("executions", snap_orders=True)
    protocol.subscribe("balances")
    return protocol


def _kraken_v2_level3() -> KrakenV2PrivateProtocol:
    protocol = KrakenV2PrivateProtocol("l3")
    protocol.token = "T"
    protocol.instruments.update([k.BTC_USD], [], replace=True)
    protocol.subscribe("level3", ["BTC/USD"], depth=10)
    return protocol


def _kraken_v2_private_corpus() -> list[bytes]:
    lines = load_jsonl(DATA / "kraken-async-rs" / "v2_messages.jsonl")
    return [line.raw.encode() for line in lines if any(m in line.raw for m in KRAKEN_V2_PRIVATE)]


# --- Kraken v1 ------------------------------------------------------------------------------


def _kraken_v1_lines(private: bool) -> list[bytes]:
    lines = load_jsonl(DATA / "kraken-async-rs" / "v1_messages.jsonl")
    return [
        line.raw.encode()
        for line in lines
        if any(line.label.startswith(m) for m in KRAKEN_V1_PRIVATE) == private
    ]


def _kraken_v1_public() -> KrakenV1Protocol:
    protocol = KrakenV1Protocol()
    protocol.subscribe("book", ["XBT/USD"], depth=10)
    protocol.subscribe("ticker", ["XBT/USD"])
    protocol.subscribe("trade", ["XBT/USD"])
    protocol.subscribe("ohlc", ["XBT/USD"], interval=1)
    return protocol


def _kraken_v1_private() -> KrakenV1PrivateProtocol:
    protocol = KrakenV1PrivateProtocol()
    protocol.token = "T"
    protocol.subscribe("openOrders")
    protocol.subscribe("ownTrades")
    protocol.cancel_order(["OA1", "OA2"])
    protocol.cancel_all()
    return protocol


# --- CoinEx v2 ------------------------------------------------------------------------------

COINEX_V2_PUBLIC = [
    {"method": "state.update", "data": {"state_list": [{"market": "BTCUSDT", "last": "0.008157",
     "open": "0.008286", "close": "0.008157", "high": "0.008390", "low": "0.008106",
     "volume": "807714.49139758", "volume_sell": "286170.69645599",
     "volume_buy": "266161.23236408", "value": "6689.21644207", "period": 86400}]}, "id": None},
    {"method": "deals.update", "data": {"market": "BTCUSDT", "deal_list": [
     {"deal_id": 3514376759, "created_at": 1689152421692, "side": "buy", "price": "30718.42",
      "amount": "0.00000325"}]}, "id": None},
    {"method": "bbo.update", "data": {"market": "BTCUSDT", "updated_at": 1642145331234,
     "best_bid_price": "20000", "best_bid_size": "0.1", "best_ask_price": "20001",
     "best_ask_size": "0.15"}, "id": None},
    {"method": "index.update", "data": {"market": "BTCUSDT", "index_price": "40000.91"},
     "id": None},
    {"method": "notice.update", "data": {"notice_list": [{"id": 1, "type": "maintenance",
     "started_at": 1700000000000, "ended_at": 1700000600000}]}, "id": None},
    {"id": 1, "code": 0, "message": "OK"},
    {"id": 2, "code": 20001, "message": "invalid argument"},
    {"id": 3, "code": 0, "message": "OK", "data": {"result": "pong"}},
]  # fmt: skip
"""The documented pushes and answers (the spec's examples, as tests/protocol/coinex use)."""


def _coinex_v2_public() -> CoinExV2Protocol:
    protocol = CoinExV2Protocol()
    out = protocol.subscribe_stream("book", ["BTCUSDT"], {"depth": 10})
    protocol.receive(_json({"id": out.req_id, "code": 0, "message": "OK"}))
    for channel in ("ticker", "trade", "bbo", "index"):
        protocol.subscribe_stream(channel, ["BTCUSDT"], {})
    protocol.subscribe_stream("notice", [], {})
    return protocol


def _coinex_v2_public_corpus() -> list[bytes]:
    depth = (DATA / "coinex-v2" / "depth-BTCUSDT-10.jsonl").read_bytes().splitlines()
    return depth[:6] + [_json(m) for m in COINEX_V2_PUBLIC]


def _coinex_v2_private() -> CoinExV2PrivateProtocol:
    protocol = CoinExV2PrivateProtocol()
    for channel in ("orders", "stop_orders", "user_trades", "balances"):
        out = protocol.subscribe_stream(channel, [], {})
        protocol.receive(_json({"id": out.req_id, "code": 0, "message": "OK"}))
    protocol.subscribe_stream("orders", ["BTCUSDT"], {})  # one request pending
    return protocol


# --- CoinEx v1 ------------------------------------------------------------------------------

_V1_STATE = {"close": "430.33", "deal": "1574489.51", "high": "445.68", "last": "430.33",
             "low": "420.32", "open": "434.11", "period": 86400, "volume": "3624.85",
             "sell_total": "13.66", "buy_total": "2.76"}  # fmt: skip
_V1_DEAL = {"id": 3, "time": 1642755727.8401761, "type": "sell", "price": "39121.21",
            "amount": "0.1"}  # fmt: skip
_V1_ORDER = {
    "id": 77782469357, "type": 1, "side": 2, "user": 1849116, "account": 0, "option": 2,
    "ctime": 1653961043.048967, "mtime": 1653961043.048967, "market": "BTCUSDT",
    "source": "web", "client_id": "", "price": "1.00", "amount": "1.00000000",
    "taker_fee": "0.0020", "maker_fee": "0.0020", "left": "1.00000000", "deal_stock": "0",
    "deal_money": "0", "money_fee": "0", "stock_fee": "0", "asset_fee": "0",
    "fee_discount": "1", "last_deal_amount": "0", "last_deal_price": "0",
    "last_deal_time": 0, "last_deal_id": 0, "last_role": 0, "fee_asset": None, "stop_id": 0,
}  # fmt: skip
COINEX_V1_PUBLIC = [
    {"method": "depth.update", "params": [True, {"asks": [["46350.52", "1.07871851"]],
     "bids": [["46349.61", "0.04000000"]], "last": "46349.93", "time": 1639987469166,
     "checksum": 1}, "BTCUSDT"], "id": None},
    {"method": "state.update", "params": [{"BTCUSDT": _V1_STATE}], "id": None},
    {"method": "deals.update", "params": ["BTCUSDT", [_V1_DEAL]], "id": None},
    {"method": "kline.update", "params": [[1542057300, "3586.7", "3586.6", "3586.9", "3586.5",
     "0.03373", "120.99", "BTCUSDT"]], "id": None},
    {"error": None, "result": {"status": "success"}, "id": 2},
    {"error": {"code": 1, "message": "invalid argument"}, "result": None, "id": 3},
    {"error": None, "result": "pong", "id": 4},
]  # fmt: skip
COINEX_V1_PRIVATE = [
    {"method": "order.update", "params": [2, _V1_ORDER], "id": None},
    {"method": "asset.update", "params": [{"BCH": {"available": "1.1", "frozen": "0.1"}}],
     "id": None},
    {"error": None, "result": {"status": "success"}, "id": 1},
    {"error": {"code": 6, "message": "permission denied"}, "result": None, "id": 2},
]  # fmt: skip


def _coinex_v1_public() -> CoinExV1Protocol:
    protocol = CoinExV1Protocol()
    out = protocol.subscribe_stream("book", ["BTC/USDT"], {"depth": 10, "diff": True})
    protocol.receive(_json({"error": None, "result": {"status": "success"}, "id": out.req_id}))
    protocol.subscribe_stream("ticker", [""], {})
    protocol.subscribe_stream("trade", ["BTCUSDT"], {})
    protocol.subscribe_stream("kline", ["BTCUSDT"], {"interval": 300})
    return protocol


def _coinex_v1_private() -> CoinExV1PrivateProtocol:
    protocol = CoinExV1PrivateProtocol()
    for channel in ("orders", "balances"):
        out = protocol.subscribe_stream(channel, [""], {})
        protocol.receive(_json({"error": None, "result": {"status": "success"}, "id": out.req_id}))
    return protocol


DECODERS = [
    Decoder("kraken-v2-public", _kraken_v2_public, _kraken_v2_public_corpus),
    Decoder("kraken-v2-private", _kraken_v2_private, _kraken_v2_private_corpus),
    Decoder("kraken-v2-level3", _kraken_v2_level3, _kraken_v2_private_corpus),
    Decoder("kraken-v1-public", _kraken_v1_public, lambda: _kraken_v1_lines(False)),
    Decoder("kraken-v1-private", _kraken_v1_private, lambda: _kraken_v1_lines(True)),
    Decoder("coinex-v2-public", _coinex_v2_public, _coinex_v2_public_corpus, gzip=True),
    Decoder("coinex-v2-private", _coinex_v2_private, lambda: [ORDER, STOP, DEAL, BALANCE],
            gzip=True),
    Decoder("coinex-v1-public", _coinex_v1_public, lambda: [_json(m) for m in COINEX_V1_PUBLIC]),
    Decoder("coinex-v1-private", _coinex_v1_private,
            lambda: [_json(m) for m in COINEX_V1_PRIVATE]),
]  # fmt: skip


def parse(frame: bytes) -> Any:
    """A corpus frame as a JSON value, its non-integer numbers exact."""
    return json.loads(frame, parse_float=Decimal)
