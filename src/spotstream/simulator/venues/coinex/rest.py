"""CoinEx REST v2 as the simulator serves it under ``/coinex`` (sans-I/O, like Kraken's).

``sim.urls["coinex_rest"]`` is ``http://H:P/coinex``: a base URL such that base + ``/v2/...``
is CoinEx's path. Answers are CoinEx's envelope ``{"code":0,"data":...,"message":"OK"}``
(HTTP 200 for API-level errors too, ``data`` ``{}``). Signed requests are checked by
:mod:`~spotstream.simulator.venues.coinex.credentials` over the path **without** ``/coinex``.

Public (``GET``): ``/v2/time``, ``/v2/ping``, ``/v2/maintain/info``, ``/v2/spot/market``,
``/v2/spot/ticker``, ``/v2/spot/depth``, ``/v2/spot/deals``, ``/v2/spot/kline``, and what
ccxt's ``coinex`` loads on start: ``/v2/futures/market`` (none) and
``/v2/assets/all-deposit-withdraw-config``. Signed: ``GET /v2/assets/spot/balance``,
``GET /v2/spot/pending-order``, ``GET /v2/spot/finished-order``, ``GET /v2/spot/order-status``,
``POST /v2/spot/order``, ``POST /v2/spot/cancel-order``, ``POST /v2/spot/cancel-all-order``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from spotstream.simulator.http import HttpRequest, HttpResponse
from spotstream.simulator.venues.coinex.credentials import CoinExKeyStore
from spotstream.simulator.venues.coinex.markets import ENCODER
from spotstream.simulator.venues.coinex.refusals import PARAMETER_ERROR, CoinExRefusal
from spotstream.simulator.venues.coinex.rest_market import RestMarket
from spotstream.simulator.venues.coinex.rest_trading import RestTrading

PREFIX = "/coinex"
_JSON = (("Content-Type", "application/json; charset=utf-8"),)
NOT_FOUND = (404, "Not Found")

Params = dict[str, str]


class _Envelope(msgspec.Struct, omit_defaults=True):
    code: int
    data: Any
    message: str
    pagination: dict[str, Any] | None = None


class CoinExRest:
    """The REST v2 methods of one simulator."""

    def __init__(self, market: RestMarket, trading: RestTrading, keys: CoinExKeyStore) -> None:
        self.keys = keys
        self.trading = trading
        self._public: dict[str, Callable[[Params], Any]] = {
            "/v2/time": market.time,
            "/v2/ping": lambda _: {"result": "pong"},
            "/v2/maintain/info": market.maintenance,
            "/v2/spot/market": market.markets,
            "/v2/futures/market": lambda _: [],
            "/v2/assets/all-deposit-withdraw-config": market.currencies,
            "/v2/spot/ticker": market.tickers,
            "/v2/spot/depth": market.depth,
            "/v2/spot/deals": market.deals,
            "/v2/spot/kline": market.klines,
        }
        self._signed: dict[tuple[str, str], Callable[[str, Params], Any]] = {
            ("GET", "/v2/assets/spot/balance"): trading.balances,
            ("GET", "/v2/spot/pending-order"): trading.pending,
            ("GET", "/v2/spot/finished-order"): trading.finished,
            ("GET", "/v2/spot/order-status"): trading.status,
            ("POST", "/v2/spot/order"): trading.place,
            ("POST", "/v2/spot/cancel-order"): trading.cancel,
            ("POST", "/v2/spot/cancel-all-order"): trading.cancel_all,
        }

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request under ``/coinex`` (never raises)."""
        path = request.path.removeprefix(PREFIX)
        public = self._public.get(path)
        if public is not None:
            if request.method != "GET":
                return HttpResponse(405, b"Method Not Allowed\n")
            return _answer(lambda: public(_query(request)))
        signed = self._signed.get((request.method, path))
        if signed is None:
            known = any(p == path for _, p in self._signed)
            return HttpResponse(405 if known else 404, b"Not Found\n" if not known else b"")
        return _answer(lambda: self._signed_call(request, signed))

    def _signed_call(self, request: HttpRequest, method: Callable[[str, Params], Any]) -> Any:
        signed_path = request.target.removeprefix(PREFIX)
        account = self.keys.verify(request.method, signed_path, request.body, request.headers)
        if request.method == "POST":
            return method(account, _body(request.body))
        return method(account, _query(request))


def _answer(method: Callable[[], Any]) -> HttpResponse:
    try:
        data = method()
        pagination = None
        if isinstance(data, tuple):
            data, pagination = data
        body = ENCODER.encode(_Envelope(0, data, "OK", pagination))
    except CoinExRefusal as error:
        body = ENCODER.encode(_Envelope(error.code, {}, error.message))
    return HttpResponse(200, body, _JSON)


def _query(request: HttpRequest) -> Params:
    try:
        return dict(parse_qsl(request.query, keep_blank_values=True))
    except ValueError:
        raise CoinExRefusal(PARAMETER_ERROR) from None


def _body(body: bytes) -> Params:
    try:
        params = msgspec.json.decode(body or b"{}")
    except msgspec.DecodeError:
        raise CoinExRefusal(PARAMETER_ERROR) from None
    if not isinstance(params, dict):
        raise CoinExRefusal(PARAMETER_ERROR)
    return {
        str(k): v if isinstance(v, str) else msgspec.json.encode(v).decode()
        for k, v in params.items()
    }
