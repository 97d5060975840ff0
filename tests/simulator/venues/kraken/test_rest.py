"""Kraken REST as the simulator answers it, without a network (HttpRequest -> HttpResponse)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from spotstream.auth.kraken import Credentials, build_token_request
from spotstream.simulator.http import HttpRequest, HttpResponse
from spotstream.simulator.market.state import Market
from spotstream.simulator.matching.accounts import READ_ONLY_ACCOUNT, TEST_ACCOUNT
from spotstream.simulator.server import ManualClock
from spotstream.simulator.venues.kraken.credentials import CredentialStore
from spotstream.simulator.venues.kraken.rest import KrakenRest

NOW = 1_616_336_594_000_000_000  # 2021-03-21T14:23:14Z


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def rest(clock: ManualClock) -> KrakenRest:
    store = CredentialStore((TEST_ACCOUNT, READ_ONLY_ACCOUNT), clock, seed=2)
    return KrakenRest(Market(1, NOW, levels=50), store, clock)


def _get(rest: KrakenRest, target: str) -> tuple[int, Any]:
    response = rest.handle(HttpRequest("GET", target, "HTTP/1.1"))
    return response.status, _json(response)


def _json(response: HttpResponse) -> Any:
    assert ("Content-Type", "application/json; charset=utf-8") in response.headers
    return json.loads(response.body, parse_float=Decimal)


def _token_request(account: Any, nonce: int, **change: str) -> HttpRequest:
    _, headers, body = build_token_request(Credentials(account.api_key, account.api_secret), nonce)
    lower = {name.lower(): value for name, value in headers.items()} | change
    return HttpRequest("POST", "/0/private/GetWebSocketsToken", "HTTP/1.1", lower, body)


# --- public -----------------------------------------------------------------------------------


def test_time(rest: KrakenRest) -> None:
    status, body = _get(rest, "/0/public/Time")
    assert status == 200
    assert body == {
        "error": [],
        "result": {"unixtime": 1616336594, "rfc1123": "Sun, 21 Mar 21 14:23:14 +0000"},
    }


def test_system_status(rest: KrakenRest, clock: ManualClock) -> None:
    clock.advance(60)
    _, body = _get(rest, "/0/public/SystemStatus")
    assert body["result"] == {"status": "online", "timestamp": "2021-03-21T14:24:14Z"}


def test_asset_pairs_in_krakens_shape(rest: KrakenRest) -> None:
    status, body = _get(rest, "/0/public/AssetPairs")
    assert status == 200
    assert body["error"] == []
    pairs = body["result"]
    assert list(pairs) == [
        "XXBTZUSD",
        "XETHZUSD",
        "XXRPZUSD",
        "XDGUSD",
        "XETHXXBT",
        "XBTUSDT",
        "ETHUSDT",
    ]
    btc = pairs["XXBTZUSD"]
    assert list(btc) == [
        "altname", "wsname", "aclass_base", "base", "aclass_quote", "quote", "lot",
        "cost_decimals", "pair_decimals", "lot_decimals", "lot_multiplier", "leverage_buy",
        "leverage_sell", "fees", "fees_maker", "fee_volume_currency", "margin_call",
        "margin_stop", "ordermin", "costmin", "tick_size", "status", "long_position_limit",
        "short_position_limit",
    ]  # fmt: skip
    assert btc["altname"] == "XBTUSD"
    assert btc["wsname"] == "XBT/USD"
    assert (btc["base"], btc["quote"]) == ("XXBT", "ZUSD")
    assert (btc["pair_decimals"], btc["lot_decimals"], btc["cost_decimals"]) == (1, 8, 5)
    assert (btc["ordermin"], btc["costmin"], btc["tick_size"]) == ("0.0001", "0.5", "0.1")
    assert btc["leverage_buy"] == [2, 3, 4, 5]
    assert btc["fees"][0] == [0, Decimal("0.26")]
    assert btc["fees_maker"][0] == [0, Decimal("0.16")]
    assert len(btc["fees"]) == len(btc["fees_maker"]) == 9
    assert btc["status"] == "online"
    assert (btc["long_position_limit"], btc["short_position_limit"]) == (300, 240)
    doge = pairs["XDGUSD"]
    assert (doge["altname"], doge["wsname"], doge["base"]) == ("XDGUSD", "XDG/USD", "XXDG")
    assert doge["tick_size"] == "0.0000001"
    assert pairs["XETHXXBT"]["wsname"] == "ETH/XBT"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("XXBTZUSD", "XXBTZUSD"),
        ("XBTUSD", "XXBTZUSD"),
        ("XBT/USD", "XBT/USD"),
        ("BTC/USD", "BTC/USD"),
    ],
)
def test_asset_pairs_filter_accepts_every_name(rest: KrakenRest, name: str, key: str) -> None:
    _, body = _get(rest, f"/0/public/AssetPairs?pair={name.replace('/', '%2F')}")
    assert list(body["result"]) == [key]  # slashed names key the result as written
    assert body["result"][key]["altname"] == "XBTUSD"


def test_asset_pairs_filter_and_info(rest: KrakenRest) -> None:
    _, body = _get(rest, "/0/public/AssetPairs?pair=ETHUSD,XDGUSD&info=fees")
    assert list(body["result"]) == ["XETHZUSD", "XDGUSD"]
    assert list(body["result"]["XDGUSD"]) == ["fees", "fees_maker", "fee_volume_currency"]
    _, body = _get(rest, "/0/public/AssetPairs?pair=XBTUSD&info=leverage")
    assert body["result"] == {
        "XXBTZUSD": {"leverage_buy": [2, 3, 4, 5], "leverage_sell": [2, 3, 4, 5]}
    }


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("/0/public/AssetPairs?pair=XBTEUR", "EQuery:Unknown asset pair"),
        ("/0/public/AssetPairs?info=nonsense", "EGeneral:Invalid arguments"),
        ("/0/public/Assets?asset=XBT,NOPE", "EQuery:Unknown asset"),
        ("/0/public/AssetPairs?pair", "EGeneral:Invalid arguments"),
    ],
)
def test_public_errors(rest: KrakenRest, target: str, error: str) -> None:
    status, body = _get(rest, target)
    assert status == 200
    assert body == {"error": [error]}


def test_assets(rest: KrakenRest) -> None:
    _, body = _get(rest, "/0/public/Assets")
    assets = body["result"]
    assert list(assets) == ["ZUSD", "XXBT", "XETH", "XXRP", "XXDG", "USDT"]
    assert assets["XXBT"] == {
        "aclass": "currency",
        "altname": "XBT",
        "decimals": 10,
        "display_decimals": 5,
        "collateral_value": Decimal("1"),
        "margin_rate": Decimal("0.01"),
        "status": "enabled",
    }
    _, body = _get(rest, "/0/public/Assets?asset=XBT,USD,DOGE")
    assert list(body["result"]) == ["XXBT", "ZUSD", "XXDG"]


def test_public_methods_answer_post_with_a_form_body(rest: KrakenRest) -> None:
    request = HttpRequest("POST", "/0/public/AssetPairs", "HTTP/1.1", {}, b"pair=XBTUSD")
    assert list(_json(rest.handle(request))["result"]) == ["XXBTZUSD"]


def test_unknown_paths_and_methods(rest: KrakenRest) -> None:
    unknown = rest.handle(HttpRequest("GET", "/0/public/Nope", "HTTP/1.1"))
    assert unknown.status == 404
    assert _json(unknown) == {"error": ["EGeneral:Unknown method"]}
    assert rest.handle(HttpRequest("POST", "/0/private/Balance", "HTTP/1.1")).status == 404
    assert rest.handle(HttpRequest("GET", "/favicon.ico", "HTTP/1.1")).status == 404
    wrong = rest.handle(HttpRequest("GET", "/0/private/GetWebSocketsToken", "HTTP/1.1"))
    assert wrong.status == 405
    assert ("Allow", "POST") in wrong.headers
    assert rest.handle(HttpRequest("DELETE", "/0/public/Time", "HTTP/1.1")).status == 405


# --- GetWebSocketsToken -----------------------------------------------------------------------


def test_token_for_a_signed_request(rest: KrakenRest) -> None:
    response = rest.handle(_token_request(TEST_ACCOUNT, 1_700_000_000_001))
    assert response.status == 200
    body = _json(response)
    assert body["error"] == []
    assert body["result"]["expires"] == 900
    token = body["result"]["token"]
    assert len(token) == 43
    assert rest.credentials.authorize(token) == "test"


def test_token_errors_are_http_200_with_krakens_words(rest: KrakenRest) -> None:
    cases = [
        (_token_request(TEST_ACCOUNT, 5, **{"api-key": "nope"}), "EAPI:Invalid key"),
        (_token_request(TEST_ACCOUNT, 5, **{"api-sign": "AAAA"}), "EAPI:Invalid signature"),
        (_token_request(READ_ONLY_ACCOUNT, 5), "EGeneral:Permission denied"),
        (_token_request(TEST_ACCOUNT, 7), None),
        (_token_request(TEST_ACCOUNT, 7), "EAPI:Invalid nonce"),  # replayed
    ]
    for request, error in cases:
        response = rest.handle(request)
        assert response.status == 200
        body = _json(response)
        if error is None:
            assert body["error"] == []
        else:
            assert body == {"error": [error]}


def test_token_request_with_a_malformed_body(rest: KrakenRest) -> None:
    headers = {"api-key": TEST_ACCOUNT.api_key, "api-sign": "x", "content-type": "application/json"}
    request = HttpRequest("POST", "/0/private/GetWebSocketsToken", "HTTP/1.1", headers, b"{oops")
    assert _json(rest.handle(request)) == {"error": ["EGeneral:Invalid arguments"]}
