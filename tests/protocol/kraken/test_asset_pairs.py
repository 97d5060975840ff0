"""REST AssetPairs -> Instrument: the real 2021 answer, the simulator's, and bad bodies."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from spotstream.errors import (
    DecodeError,
    InvalidArgumentsError,
    RateLimitError,
    RequestError,
    UnknownPairError,
)
from spotstream.models.market import Instrument
from spotstream.protocol.kraken.asset_pairs import parse_asset_pairs
from spotstream.protocol.kraken.symbols import to_v1
from spotstream.simulator.http import HttpRequest
from spotstream.simulator.market.instruments import DEFAULT_INSTRUMENTS
from spotstream.simulator.market.state import Market
from spotstream.simulator.server import ManualClock
from spotstream.simulator.venues.kraken.credentials import CredentialStore
from spotstream.simulator.venues.kraken.rest import KrakenRest

NOW = 1_616_336_594_000_000_000


def captured_body(captures: Path) -> bytes:
    """The body of the first line of KRAKEN.0: ``<url> -> <ts>: <json>``."""
    first_line = (captures / "cryptofeed" / "KRAKEN.0").read_bytes().splitlines()[0]
    return first_line.split(b": ", 1)[1]


def test_every_captured_pair_parses(captures: Path) -> None:
    body = captured_body(captures)
    entries = json.loads(body)["result"]
    instruments = parse_asset_pairs(body)
    on_websockets = [entry for entry in entries.values() if "wsname" in entry]
    assert len(instruments) == len(on_websockets) == 293  # the 11 dark-pool ".d" pairs left out
    assert len({i.symbol for i in instruments}) == 293
    for instrument, entry in zip(instruments, on_websockets, strict=True):
        assert to_v1(instrument.symbol) == entry["wsname"]
        assert f"{instrument.base}/{instrument.quote}" == instrument.symbol
        assert instrument.price_precision == entry["pair_decimals"]
        assert instrument.qty_precision == entry["lot_decimals"]
        assert instrument.qty_min == Decimal(entry["ordermin"])
        assert instrument.price_increment == Decimal(1).scaleb(-entry["pair_decimals"])
        assert instrument.marginable == bool(entry["leverage_buy"])


def test_captured_spot_checks(captures: Path) -> None:
    by_symbol = {i.symbol: i for i in parse_asset_pairs(captured_body(captures))}
    assert by_symbol["BTC/USD"] == Instrument(
        symbol="BTC/USD",
        base="BTC",
        quote="USD",
        status="online",
        price_precision=1,
        qty_precision=8,
        price_increment=Decimal("0.1"),
        qty_increment=Decimal("0.00000001"),
        qty_min=Decimal("0.0002"),
        marginable=True,
    )
    doge = by_symbol["DOGE/USD"]
    assert (doge.base, doge.price_precision, doge.qty_precision) == ("DOGE", 7, 8)
    assert by_symbol["ETH/BTC"].quote == "BTC"


def test_the_simulators_answer_parses_to_its_instruments() -> None:
    clock = ManualClock(NOW)
    rest = KrakenRest(Market(1, NOW, levels=5), CredentialStore((), clock, seed=1), clock)
    response = rest.handle(HttpRequest("GET", "/0/public/AssetPairs", "HTTP/1.1"))
    instruments = {i.symbol: i for i in parse_asset_pairs(response.body, response.status)}
    assert set(instruments) == {spec.symbol for spec in DEFAULT_INSTRUMENTS}
    for spec in DEFAULT_INSTRUMENTS:
        assert instruments[spec.symbol] == Instrument(
            symbol=spec.symbol,
            base=spec.base,
            quote=spec.quote,
            status=spec.status,
            price_precision=spec.price_precision,
            qty_precision=spec.qty_precision,
            price_increment=spec.price_increment,
            qty_increment=spec.qty_increment,
            qty_min=spec.qty_min,
            cost_precision=spec.cost_precision,
            cost_min=spec.cost_min,
            marginable=spec.marginable,
        )


def test_newer_fields_are_read() -> None:
    body = (
        b'{"error":[],"result":{"XXBTZUSD":{"altname":"XBTUSD","wsname":"XBT/USD",'
        b'"base":"XXBT","quote":"ZUSD","pair_decimals":1,"lot_decimals":8,"cost_decimals":5,'
        b'"ordermin":"0.00005","costmin":"0.5","tick_size":"0.5","status":"post_only",'
        b'"leverage_buy":[],"leverage_sell":[],"fees":[[0,0.26]]}}}'
    )
    (btc,) = parse_asset_pairs(body)
    assert (btc.price_increment, btc.cost_min, btc.cost_precision) == (
        Decimal("0.5"),
        Decimal("0.5"),
        5,
    )
    assert (btc.status, btc.qty_min, btc.marginable) == ("post_only", Decimal("0.00005"), False)


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b'{"error":["EQuery:Unknown asset pair"]}', 200, UnknownPairError),
        (b'{"error":["EGeneral:Invalid arguments"]}', 200, InvalidArgumentsError),
        (b'{"error":["EAPI:Rate limit exceeded"]}', 429, RateLimitError),
        (b'{"error":["EGeneral:Unknown method"]}', 404, RequestError),
        (b"<html>Bad gateway</html>", 502, RequestError),
    ],
)
def test_refusals_are_typed(body: bytes, status: int, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        parse_asset_pairs(body, status)
    assert isinstance(info.value, RequestError)
    assert info.value.method == "AssetPairs"


def test_a_gateway_page_is_quoted() -> None:
    with pytest.raises(RequestError, match="HTTP 502: <html>Bad gateway</html>"):
        parse_asset_pairs(b"<html>Bad gateway</html>", 502)
    with pytest.raises(RequestError, match=r"HTTP 503$"):
        parse_asset_pairs(b'{"error":[],"result":{}}', 503)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "not the expected answer"),
        (b"not json", "not the expected answer"),
        (b"[]", "not the expected answer"),
        (b'{"error":[]}', "no result and no error"),
        (b'{"error":[],"result":{"X":{"altname":"X"}}}', "not the expected answer"),
        (
            b'{"error":[],"result":{"X":{"altname":"X","wsname":"XBTUSD",'
            b'"pair_decimals":1,"lot_decimals":8}}}',
            "not BASE/QUOTE",
        ),
        (
            b'{"error":[],"result":{"X":{"altname":"X","wsname":"A/B",'
            b'"pair_decimals":-1,"lot_decimals":8}}}',
            "decimals",
        ),
        (
            b'{"error":[],"result":{"X":{"altname":"X","wsname":"A/B",'
            b'"pair_decimals":1,"lot_decimals":8,"ordermin":"lots"}}}',
            "not the expected answer",
        ),
    ],
)
def test_malformed_bodies_are_decode_errors(body: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        parse_asset_pairs(body)
