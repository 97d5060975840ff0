"""Kraken spot REST as the simulator serves it: sans-I/O, :class:`HttpRequest` in,
:class:`HttpResponse` out (the HTTP front in :mod:`spotstream.simulator.http` does the I/O).

Served: ``POST /0/private/GetWebSocketsToken`` (signed, see
:mod:`spotstream.simulator.venues.kraken.credentials`) and the public ``Time``, ``AssetPairs``,
``Assets`` and ``SystemStatus`` that common clients call on start (public methods answer ``GET`` and
``POST``, as Kraken's do). Bodies are Kraken's envelope ``{"error":[],"result":{...}}``; an
API-level error is HTTP 200 with ``{"error":["EAPI:Invalid key"]}``. An unknown method under
``/0/`` is HTTP 404 with ``EGeneral:Unknown method``; other paths are a plain 404, a wrong HTTP
method a plain 405.

Asset and pair names follow Kraken's REST API, not WebSocket v2: ``XXBT``/``ZUSD`` asset codes,
pair keys like ``XXBTZUSD``, ``altname`` ``XBTUSD``, ``wsname`` ``XBT/USD``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from spotstream.simulator.http import TEXT_PLAIN, HttpRequest, HttpResponse
from spotstream.simulator.market.instruments import AssetSpec, InstrumentSpec
from spotstream.simulator.market.state import Market
from spotstream.simulator.venues.kraken.credentials import (
    TOKEN_LIFETIME,
    CredentialError,
    CredentialStore,
)

TOKEN_PATH = "/0/private/GetWebSocketsToken"
UNKNOWN_METHOD = "EGeneral:Unknown method"
INVALID_ARGUMENTS = "EGeneral:Invalid arguments"
UNKNOWN_PAIR = "EQuery:Unknown asset pair"
UNKNOWN_ASSET = "EQuery:Unknown asset"

_JSON = (("Content-Type", "application/json; charset=utf-8"),)
_ENCODE = msgspec.json.Encoder(decimal_format="number").encode

# Kraken's legacy asset codes and REST altnames (assets listed before 2019 carry an X/Z prefix).
_LEGACY: dict[str, tuple[str, str]] = {
    "BTC": ("XXBT", "XBT"),
    "DOGE": ("XXDG", "XDG"),
    "ETH": ("XETH", "ETH"),
    "ETC": ("XETC", "ETC"),
    "LTC": ("XLTC", "LTC"),
    "XLM": ("XXLM", "XLM"),
    "XMR": ("XXMR", "XMR"),
    "XRP": ("XXRP", "XRP"),
    "ZEC": ("XZEC", "ZEC"),
    "USD": ("ZUSD", "USD"),
    "EUR": ("ZEUR", "EUR"),
    "GBP": ("ZGBP", "GBP"),
    "CAD": ("ZCAD", "CAD"),
    "JPY": ("ZJPY", "JPY"),
}
_SHORT_KEY_BASES = frozenset({"XXDG"})  # DOGE pairs are keyed by altname (XDGUSD) at Kraken

# Kraken's classic fee schedule: [30-day volume in USD, percent] (taker, then maker).
_VOLUMES = (0, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000)
_TAKER = ("0.26", "0.24", "0.22", "0.2", "0.18", "0.16", "0.14", "0.12", "0.1")
_MAKER = ("0.16", "0.14", "0.12", "0.1", "0.08", "0.06", "0.04", "0.02", "0")
_INFO_FIELDS = {
    "leverage": ("leverage_buy", "leverage_sell"),
    "fees": ("fees", "fees_maker", "fee_volume_currency"),
    "margin": ("margin_call", "margin_stop"),
}

Params = dict[str, str]


class RestError(Exception):
    """An API-level refusal: answered with HTTP 200 and ``{"error":[str(error)]}``."""


class KrakenRest:
    """The REST methods of one simulator (its market's instruments, its accounts)."""

    def __init__(
        self,
        market: Market,
        credentials: CredentialStore,
        clock: Callable[[], int],
        system_status: Callable[[], str] = lambda: "online",
    ) -> None:
        self.market = market
        self.credentials = credentials
        self.clock = clock
        self.system_status = system_status
        self._public: dict[str, Callable[[Params], Any]] = {
            "Time": self._time,
            "SystemStatus": self._system_status,
            "Assets": self._assets,
            "AssetPairs": self._asset_pairs,
        }

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request (never raises)."""
        path = request.path
        if path == TOKEN_PATH:
            if request.method != "POST":
                return _not_allowed("POST")
            return _answer(lambda: self._token(request))
        if path.startswith("/0/public/"):
            method = self._public.get(path.removeprefix("/0/public/"))
            if method is None:
                return _unknown_method()
            if request.method not in ("GET", "POST"):
                return _not_allowed("GET, POST")
            return _answer(lambda: method(_public_params(request)))
        if path.startswith("/0/"):
            return _unknown_method()
        return HttpResponse(404, b"Not Found\n")

    # --- private ------------------------------------------------------------------------------

    def _token(self, request: HttpRequest) -> dict[str, Any]:
        try:
            account, _ = self.credentials.verify(
                TOKEN_PATH, request.headers, request.body, permission="websocket"
            )
        except CredentialError as error:
            raise RestError(str(error)) from None
        return {"token": self.credentials.issue_token(account), "expires": TOKEN_LIFETIME}

    # --- public -------------------------------------------------------------------------------

    def _time(self, params: Params) -> dict[str, Any]:
        second = self.clock() // 1_000_000_000
        rfc1123 = time.strftime("%a, %d %b %y %H:%M:%S +0000", time.gmtime(second))
        return {"unixtime": second, "rfc1123": rfc1123}

    def _system_status(self, params: Params) -> dict[str, Any]:
        second = self.clock() // 1_000_000_000
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
        return {"status": self.system_status(), "timestamp": stamp}

    def _assets(self, params: Params) -> dict[str, Any]:
        assets = {asset_code(a.id): a for a in self.market.assets}
        wanted = _names(params.get("asset"))
        if wanted is not None:
            aliases = {alias: code for code, a in assets.items() for alias in _asset_names(a)}
            if any(name not in aliases for name in wanted):
                raise RestError(UNKNOWN_ASSET)
            assets = {aliases[name]: assets[aliases[name]] for name in wanted}
        return {code: asset_info(asset) for code, asset in assets.items()}

    def _asset_pairs(self, params: Params) -> dict[str, Any]:
        info = params.get("info", "info")
        if info not in ("info", *_INFO_FIELDS):
            raise RestError(INVALID_ARGUMENTS)
        pairs = {pair_names(p)[0]: p for p in self.market.instruments.values()}
        wanted = _names(params.get("pair"))
        if wanted is not None:
            aliases = {alias: key for key, p in pairs.items() for alias in pair_names(p)}
            if any(name not in aliases for name in wanted):
                raise RestError(UNKNOWN_PAIR)
            # a slashed name (BTC/USD, XBT/USD) keys the result as written (python-kraken-sdk's
            # order book reads result["BTC/USD"] from live Kraken); other names by pair key
            pairs = {
                name if "/" in name else aliases[name]: pairs[aliases[name]] for name in wanted
            }
        out = {key: asset_pair_info(pair) for key, pair in pairs.items()}
        if info != "info":
            fields = _INFO_FIELDS[info]
            out = {key: {f: entry[f] for f in fields} for key, entry in out.items()}
        return out


# --- Kraken's names and shapes ---------------------------------------------------------------


def asset_code(asset: str) -> str:
    """Kraken's REST code of an asset (``BTC`` -> ``XXBT``, ``USD`` -> ``ZUSD``)."""
    return _LEGACY.get(asset, (asset, asset))[0]


def asset_altname(asset: str) -> str:
    """Kraken's REST altname of an asset (``BTC`` -> ``XBT``, ``DOGE`` -> ``XDG``)."""
    return _LEGACY.get(asset, (asset, asset))[1]


def pair_names(pair: InstrumentSpec) -> tuple[str, str, str, str]:
    """``(key, altname, wsname, symbol)``: e.g. ``XXBTZUSD``, ``XBTUSD``, ``XBT/USD``,
    ``BTC/USD``. Each is accepted by the ``pair`` filter."""
    base, quote = asset_code(pair.base), asset_code(pair.quote)
    base_alt, quote_alt = asset_altname(pair.base), asset_altname(pair.quote)
    altname = base_alt + quote_alt
    legacy = pair.base in _LEGACY and pair.quote in _LEGACY and base not in _SHORT_KEY_BASES
    key = base + quote if legacy else altname
    return key, altname, f"{base_alt}/{quote_alt}", pair.symbol


def asset_pair_info(pair: InstrumentSpec) -> dict[str, Any]:
    """One ``AssetPairs`` entry, fields in Kraken's order."""
    leverage = _leverage(pair.margin_initial)
    _, altname, wsname, _ = pair_names(pair)
    info: dict[str, Any] = {
        "altname": altname,
        "wsname": wsname,
        "aclass_base": "currency",
        "base": asset_code(pair.base),
        "aclass_quote": "currency",
        "quote": asset_code(pair.quote),
        "lot": "unit",
        "cost_decimals": pair.cost_precision,
        "pair_decimals": pair.price_precision,
        "lot_decimals": pair.qty_precision,
        "lot_multiplier": 1,
        "leverage_buy": leverage,
        "leverage_sell": leverage,
        "fees": _fee_table(_TAKER),
        "fees_maker": _fee_table(_MAKER),
        "fee_volume_currency": "ZUSD",
        "margin_call": 80,
        "margin_stop": 40,
        "ordermin": _plain(pair.qty_min),
        "costmin": _plain(pair.cost_min),
        "tick_size": _plain(pair.price_increment),
        "status": pair.status,
    }
    if pair.position_limit_long is not None:
        info["long_position_limit"] = pair.position_limit_long
    if pair.position_limit_short is not None:
        info["short_position_limit"] = pair.position_limit_short
    return info


def asset_info(asset: AssetSpec) -> dict[str, Any]:
    """One ``Assets`` entry, fields in Kraken's order."""
    info: dict[str, Any] = {
        "aclass": "currency",
        "altname": asset_altname(asset.id),
        "decimals": asset.precision,
        "display_decimals": asset.precision_display,
        "collateral_value": asset.collateral_value.normalize(),
    }
    if asset.margin_rate is not None:
        info["margin_rate"] = asset.margin_rate.normalize()
    info["status"] = asset.status
    return info


def _asset_names(asset: AssetSpec) -> tuple[str, str, str]:
    return asset_code(asset.id), asset_altname(asset.id), asset.id


def _leverage(margin_initial: Decimal | None) -> list[int]:
    """Leverage levels a margin requirement allows (0.20 -> [2, 3, 4, 5])."""
    if margin_initial is None or margin_initial <= 0:
        return []
    return list(range(2, int(1 / margin_initial) + 1))


def _fee_table(percents: Iterable[str]) -> list[list[int | Decimal]]:
    return [[volume, Decimal(p)] for volume, p in zip(_VOLUMES, percents, strict=True)]


def _plain(value: Decimal) -> str:
    """A configured amount as Kraken writes it in REST strings (``0.50`` -> ``0.5``)."""
    return format(value.normalize(), "f")


# --- envelope ----------------------------------------------------------------------------------


def _answer(method: Callable[[], dict[str, Any]]) -> HttpResponse:
    try:
        body = _ENCODE({"error": [], "result": method()})
    except RestError as error:
        body = _ENCODE({"error": [str(error)]})
    return HttpResponse(200, body, _JSON)


def _unknown_method() -> HttpResponse:
    return HttpResponse(404, _ENCODE({"error": [UNKNOWN_METHOD]}), _JSON)


def _not_allowed(allow: str) -> HttpResponse:
    return HttpResponse(405, b"Method Not Allowed\n", (*TEXT_PLAIN, ("Allow", allow)))


def _public_params(request: HttpRequest) -> Params:
    """Query parameters, and form body parameters of a ``POST``; ``EGeneral:Invalid
    arguments`` for a malformed query or body."""
    text = request.query
    if request.method == "POST" and request.body:
        try:
            body = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise RestError(INVALID_ARGUMENTS) from None
        text = f"{text}&{body}" if text else body
    try:
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
    except ValueError:
        raise RestError(INVALID_ARGUMENTS) from None


def _names(value: str | None) -> list[str] | None:
    """A comma-separated filter (``pair=XBTUSD,ETHUSD``), or ``None`` when absent or empty."""
    if not value:
        return None
    return [name.strip() for name in value.split(",") if name.strip()]
