"""CoinEx REST v2 on the simulator: public market data, signatures (documented HMAC and ccxt's
plain SHA-256, hex either case, the path without ``/coinex``), balances and orders."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import urllib.request
from decimal import Decimal
from typing import Any

import pytest

from simulator.coinex_client import ReferenceBook
from spotstream.protocol.coinex.sign import rest_signature
from spotstream.simulator import ManualClock, Simulator
from spotstream.simulator.http import HttpRequest
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY

KEY = COINEX_TEST_KEY


@pytest.fixture
async def sim() -> Any:
    async with Simulator(seed=3, rate=50, clock=ManualClock()) as simulator:
        yield simulator


def _get(sim: Simulator, target: str) -> Any:
    response = sim.coinex.rest.handle(HttpRequest("GET", target, "HTTP/1.1"))
    assert response.status == 200
    return json.loads(response.body)


def signed(
    sim: Simulator,
    method: str,
    target: str,
    body: dict[str, Any] | None = None,
    *,
    sign: str | None = None,
    key: str = KEY.access_id,
) -> Any:
    """A signed request to ``/coinex`` + ``target`` (signed over ``target``)."""
    data = json.dumps(body).encode() if body is not None else b""
    stamp = 1_700_000_000_000
    signature = (
        sign if sign is not None else rest_signature(KEY.secret_key, method, target, data, stamp)
    )
    headers = {
        "x-coinex-key": key,
        "x-coinex-sign": signature,
        "x-coinex-timestamp": str(stamp),
        "content-type": "application/json",
    }
    request = HttpRequest(method, "/coinex" + target, "HTTP/1.1", headers, data)
    response = sim.coinex.rest.handle(request)
    assert response.status == 200
    return json.loads(response.body)


# --- public -----------------------------------------------------------------------------------


def test_markets(sim: Simulator) -> None:
    body = _get(sim, "/coinex/v2/spot/market")
    assert (body["code"], body["message"]) == (0, "OK")
    assert [m["market"] for m in body["data"]] == ["BTCUSDT", "ETHUSDT"]
    btc = body["data"][0]
    assert (btc["base_ccy"], btc["quote_ccy"]) == ("BTC", "USDT")
    assert (btc["base_ccy_precision"], btc["quote_ccy_precision"]) == (8, 2)
    assert btc["min_amount"] == "0.00005"
    assert set(btc) >= {
        "maker_fee_rate",
        "taker_fee_rate",
        "is_amm_available",
        "is_margin_available",
    }
    assert [m["market"] for m in _get(sim, "/coinex/v2/spot/market?market=ETHUSDT")["data"]] == [
        "ETHUSDT"
    ]
    assert _get(sim, "/coinex/v2/spot/market?market=BTCUSD")["code"] == 4004


def test_time_ping_and_maintenance(sim: Simulator) -> None:
    assert _get(sim, "/coinex/v2/time")["data"]["timestamp"] == sim.clock() // 1_000_000
    assert _get(sim, "/coinex/v2/ping")["data"] == {"result": "pong"}
    assert _get(sim, "/coinex/v2/maintain/info")["data"] == []


def test_ticker_depth_and_deals(sim: Simulator) -> None:
    tickers = _get(sim, "/coinex/v2/spot/ticker")["data"]
    assert [t["market"] for t in tickers] == ["BTCUSDT", "ETHUSDT"]
    body = _get(sim, "/coinex/v2/spot/depth?market=BTCUSDT&limit=10&interval=0")
    assert body["data"]["is_full"] is True
    book = ReferenceBook(2, 8)
    book.apply({"method": "depth.update", "data": body["data"], "id": None})
    assert len(book.bids) == len(book.asks) == 10
    deals = _get(sim, "/coinex/v2/spot/deals?market=ETHUSDT&limit=5")["data"]
    assert len(deals) == 5
    assert deals[0]["deal_id"] > deals[-1]["deal_id"]
    assert _get(sim, "/coinex/v2/spot/depth?market=BTCUSDT&limit=7")["code"] == 4004


def test_what_ccxt_loads_on_start(sim: Simulator) -> None:
    assert _get(sim, "/coinex/v2/futures/market")["data"] == []
    currencies = _get(sim, "/coinex/v2/assets/all-deposit-withdraw-config")["data"]
    assert [c["asset"]["ccy"] for c in currencies] == ["BTC", "ETH", "USDT"]


async def test_over_http_on_the_simulators_port(sim: Simulator) -> None:
    url = sim.urls["coinex_rest"] + "/v2/spot/market"
    body = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=10).read())
    assert json.loads(body)["data"][0]["market"] == "BTCUSDT"


# --- signatures -------------------------------------------------------------------------------


def test_signature_documented_hmac_in_either_case(sim: Simulator) -> None:
    target = "/v2/assets/spot/balance"
    good = rest_signature(KEY.secret_key, "GET", target, b"", 1_700_000_000_000)
    for signature in (good, good.upper()):
        body = signed(sim, "GET", target, sign=signature)
        assert body["code"] == 0
        assert {b["ccy"] for b in body["data"]} == {"BTC", "ETH", "USDT"}


def test_signature_as_ccxt_makes_it(sim: Simulator) -> None:
    """ccxt sends ``sha256(prepared + secret)`` (no HMAC); CoinEx accepts it, so do we."""
    target = "/v2/assets/spot/balance"
    plain = hashlib.sha256(f"GET{target}1700000000000{KEY.secret_key}".encode()).hexdigest()
    assert signed(sim, "GET", target, sign=plain)["code"] == 0


def test_the_coinex_prefix_is_not_signed(sim: Simulator) -> None:
    target = "/v2/assets/spot/balance"
    prefixed = rest_signature(KEY.secret_key, "GET", "/coinex" + target, b"", 1_700_000_000_000)
    assert signed(sim, "GET", target, sign=prefixed)["code"] == 4006


@pytest.mark.parametrize(
    ("options", "code", "message"),
    [
        ({"sign": "00" * 32}, 4006, "Signature verification failed"),
        ({"sign": ""}, 4006, "Signature verification failed"),
        ({"key": "NOT-A-KEY"}, 4005, "Abnormal access_id"),
    ],
)
def test_bad_signatures(sim: Simulator, options: dict[str, str], code: int, message: str) -> None:
    body = signed(sim, "GET", "/v2/assets/spot/balance", **options)  # type: ignore[arg-type]
    assert body == {"code": code, "data": {}, "message": message}


def test_the_query_is_signed(sim: Simulator) -> None:
    target = "/v2/spot/pending-order?market=BTCUSDT&market_type=SPOT"
    assert signed(sim, "GET", target)["code"] == 0
    other = rest_signature(KEY.secret_key, "GET", "/v2/spot/pending-order", b"", 1_700_000_000_000)
    assert signed(sim, "GET", target, sign=other)["code"] == 4006


# --- orders -----------------------------------------------------------------------------------


def _order(**fields: Any) -> dict[str, Any]:
    return {"market": "BTCUSDT", "market_type": "SPOT", "side": "buy", "type": "limit", **fields}


def test_place_query_list_and_cancel_a_limit_order(sim: Simulator) -> None:
    before = {b["ccy"]: b for b in signed(sim, "GET", "/v2/assets/spot/balance")["data"]}
    body = signed(
        sim, "POST", "/v2/spot/order", _order(amount="0.01", price="50000", client_id="mine-1")
    )
    assert (body["code"], body["message"]) == (0, "OK")
    order = body["data"]
    assert order["market"] == "BTCUSDT"
    assert (order["type"], order["side"], order["client_id"]) == ("limit", "buy", "mine-1")
    assert (order["amount"], order["price"]) == ("0.01000000", "50000.00")
    assert (order["filled_amount"], order["unfilled_amount"]) == ("0.00000000", "0.01000000")
    order_id = order["order_id"]
    assert isinstance(order_id, int)
    after = {b["ccy"]: b for b in signed(sim, "GET", "/v2/assets/spot/balance")["data"]}
    assert Decimal(after["USDT"]["frozen"]) > Decimal(before["USDT"]["frozen"])
    status = signed(sim, "GET", f"/v2/spot/order-status?market=BTCUSDT&order_id={order_id}")
    assert status["data"]["order_id"] == order_id
    pending = signed(sim, "GET", "/v2/spot/pending-order?market=BTCUSDT&market_type=SPOT")
    assert [o["order_id"] for o in pending["data"]] == [order_id]
    assert pending["pagination"] == {"has_next": False}
    cancel = {"market": "BTCUSDT", "market_type": "SPOT", "order_id": order_id}
    assert signed(sim, "POST", "/v2/spot/cancel-order", cancel)["data"]["order_id"] == order_id
    assert signed(sim, "POST", "/v2/spot/cancel-order", cancel)["code"] == 3600
    assert signed(sim, "GET", "/v2/spot/pending-order?market=BTCUSDT")["data"] == []
    final = {b["ccy"]: b for b in signed(sim, "GET", "/v2/assets/spot/balance")["data"]}
    assert final["USDT"] == before["USDT"]


def test_market_orders_fill_at_once(sim: Simulator) -> None:
    buy = signed(sim, "POST", "/v2/spot/order", _order(type="market", amount="1000"))["data"]
    assert buy["amount"] == "1000.00000000"  # a market buy spends quote
    assert Decimal(buy["filled_amount"]) > 0
    assert Decimal(buy["filled_value"]) <= Decimal(1000)
    sell = signed(sim, "POST", "/v2/spot/order", _order(type="market", side="sell", amount="0.01"))
    assert sell["data"]["unfilled_amount"] == "0.00000000"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"amount": "1000", "price": "50000"}, 3109),  # 50 M USDT: not funded
        ({"amount": "0.00001", "price": "50000"}, 3127),  # below the minimum
        ({"amount": "0.01", "price": "80000", "type": "maker_only"}, 3622),  # would take
        ({"amount": "0.01", "price": "60000", "type": "fok"}, 3621),  # nothing that cheap
        ({"amount": "0.01", "price": "50000.001"}, 4004),  # off the price grid
        ({"amount": "0.01", "price": "50000", "type": "stop"}, 4004),
        ({"amount": "0.01", "price": "50000", "market": "BTCUSD"}, 4004),
        ({"amount": "0.01", "price": "50000", "market_type": "MARGIN"}, 4004),
        ({"amount": "-1", "price": "50000"}, 4004),
    ],
)
def test_refusals_in_coinex_words(sim: Simulator, fields: dict[str, str], code: int) -> None:
    body = signed(sim, "POST", "/v2/spot/order", _order(**fields))
    assert body["code"] == code
    assert body["data"] == {}


def test_ioc_and_fok_that_fill(sim: Simulator) -> None:
    for kind in ("ioc", "fok"):
        body = signed(
            sim, "POST", "/v2/spot/order", _order(type=kind, amount="0.001", price="70000")
        )
        order = body["data"]
        assert order["type"] == kind
        assert order["unfilled_amount"] == "0.00000000"


def test_a_wall_clock_timestamp_is_accepted(sim: Simulator) -> None:
    stamp = int(time.time() * 1000)
    target = "/v2/assets/spot/balance"
    signature = rest_signature(KEY.secret_key, "GET", target, b"", stamp)
    headers = {
        "x-coinex-key": KEY.access_id,
        "x-coinex-sign": signature,
        "x-coinex-timestamp": str(stamp),
    }
    response = sim.coinex.rest.handle(HttpRequest("GET", "/coinex" + target, "HTTP/1.1", headers))
    assert json.loads(response.body)["code"] == 0


def test_unknown_paths_and_methods(sim: Simulator) -> None:
    assert sim.coinex.rest.handle(HttpRequest("GET", "/coinex/v2/nope", "HTTP/1.1")).status == 404
    assert sim.coinex.rest.handle(HttpRequest("POST", "/coinex/v2/time", "HTTP/1.1")).status == 405
    assert (
        sim.coinex.rest.handle(HttpRequest("GET", "/coinex/v2/spot/order", "HTTP/1.1")).status
        == 405
    )


# --- klines, cancel-all, finished orders, paging ----------------------------------------------


def test_klines_are_built_from_the_candle_series(sim: Simulator) -> None:
    body = _get(sim, "/coinex/v2/spot/kline?market=BTCUSDT&period=1min&limit=5")
    candles = body["data"]
    assert len(candles) == 5
    assert set(candles[0]) == {
        "market", "created_at", "open", "close", "high", "low", "volume", "value",
    }  # fmt: skip
    assert all(c["created_at"] % 60_000 == 0 for c in candles)
    assert [c["created_at"] for c in candles] == sorted(c["created_at"] for c in candles)
    assert all(isinstance(c["open"], str) and "." in c["open"] for c in candles)
    three = _get(sim, "/coinex/v2/spot/kline?market=BTCUSDT&period=3min&limit=1000")["data"]
    assert all(c["created_at"] % 180_000 == 0 for c in three)
    ones = _get(sim, "/coinex/v2/spot/kline?market=BTCUSDT&period=1min&limit=1000")["data"]
    start = three[-1]["created_at"]
    merged = [c for c in ones if c["created_at"] >= start]
    assert Decimal(three[-1]["volume"]) == sum(Decimal(c["volume"]) for c in merged)
    assert three[-1]["high"] == max(merged, key=lambda c: Decimal(c["high"]))["high"]
    assert three[-1]["close"] == merged[-1]["close"]
    week = _get(sim, "/coinex/v2/spot/kline?market=ETHUSDT&period=1week&limit=2")["data"]
    assert len(week) == 2
    assert week[1]["created_at"] - week[0]["created_at"] == 604_800_000


def test_a_trade_moves_the_current_kline(sim: Simulator) -> None:
    path = "/coinex/v2/spot/kline?market=BTCUSDT&period=1min&limit=1000"

    def volume() -> Decimal:
        return sum((Decimal(c["volume"]) for c in _get(sim, path)["data"]), Decimal(0))

    before = volume()
    order = signed(sim, "POST", "/v2/spot/order", _order(type="market", amount="1000"))["data"]
    assert volume() == before + Decimal(order["filled_amount"])


@pytest.mark.parametrize(
    "query",
    [
        "market=BTCUSDT&period=1h",
        "market=BTCUSDT&period=1min&limit=0",
        "market=BTCUSDT&period=1min&limit=1001",
        "market=DOGEUSDT&period=1min",
        "period=1min",
        "market=BTCUSDT&period=1min&price_type=mark_price",
    ],
)
def test_bad_kline_queries_are_parameter_errors(sim: Simulator, query: str) -> None:
    assert _get(sim, f"/coinex/v2/spot/kline?{query}") == {
        "code": 4004,
        "data": {},
        "message": "Parameter error",
    }


def test_deals_page_back_from_last_id(sim: Simulator) -> None:
    newest = _get(sim, "/coinex/v2/spot/deals?market=BTCUSDT&limit=3")["data"]
    older = _get(
        sim, f"/coinex/v2/spot/deals?market=BTCUSDT&limit=3&last_id={newest[-1]['deal_id']}"
    )["data"]
    assert [d["deal_id"] for d in older] == [newest[-1]["deal_id"] - n for n in (1, 2, 3)]


def test_cancel_all_and_the_finished_orders(sim: Simulator) -> None:
    ids = [
        signed(sim, "POST", "/v2/spot/order", _order(amount="0.01", price=price, side=side))[
            "data"
        ]["order_id"]
        for price, side in (("50000", "buy"), ("50001", "buy"), ("99999", "sell"))
    ]
    filled = signed(sim, "POST", "/v2/spot/order", _order(type="market", amount="1000"))
    pending = signed(sim, "GET", "/v2/spot/pending-order?market_type=SPOT&page=1&limit=2")
    assert [o["order_id"] for o in pending["data"]] == [ids[2], ids[1]]
    assert pending["pagination"] == {"has_next": True}
    second = signed(sim, "GET", "/v2/spot/pending-order?market_type=SPOT&page=2&limit=2")
    assert [o["order_id"] for o in second["data"]] == [ids[0]]
    assert second["pagination"] == {"has_next": False}
    assert signed(sim, "GET", "/v2/spot/pending-order?limit=101")["code"] == 4004

    buys = {"market": "BTCUSDT", "market_type": "SPOT", "side": "buy"}
    assert signed(sim, "POST", "/v2/spot/cancel-all-order", buys) == {
        "code": 0,
        "data": {},
        "message": "OK",
    }
    left = signed(sim, "GET", "/v2/spot/pending-order?market=BTCUSDT")["data"]
    assert [o["order_id"] for o in left] == [ids[2]]
    finished = signed(sim, "GET", "/v2/spot/finished-order?market=BTCUSDT&market_type=SPOT")
    market_id = filled["data"]["order_id"]
    assert [o["order_id"] for o in finished["data"]] == [market_id, ids[1], ids[0]]  # newest
    assert finished["data"][0]["filled_amount"] != "0.00000000"
    assert finished["data"][1]["unfilled_amount"] == "0.01000000"
    assert signed(sim, "POST", "/v2/spot/cancel-all-order", {"market": "BTCUSDT"})["code"] == 0
    assert signed(sim, "GET", "/v2/spot/pending-order")["data"] == []
    sells = signed(sim, "GET", "/v2/spot/finished-order?side=sell")["data"]
    assert [o["order_id"] for o in sells] == [ids[2]]
    paged = signed(sim, "GET", "/v2/spot/finished-order?page=2&limit=3")
    assert [o["order_id"] for o in paged["data"]] == [ids[0]]
    assert paged["pagination"] == {"has_next": False}


@pytest.mark.parametrize(
    "body",
    [{}, {"market": "DOGEUSDT"}, {"market": "BTCUSDT", "side": "long"},
     {"market": "BTCUSDT", "market_type": "FUTURES"}],
)  # fmt: skip
def test_bad_cancel_all_requests(sim: Simulator, body: dict[str, str]) -> None:
    assert signed(sim, "POST", "/v2/spot/cancel-all-order", body) == {
        "code": 4004,
        "data": {},
        "message": "Parameter error",
    }
