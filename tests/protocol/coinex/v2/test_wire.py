"""Every documented CoinEx v2 public message example (spec A2, A5) decodes, every field
mapped, and the depth example's levels verify with CoinEx's checksum."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from spotstream.book.tracked import ApplyResult
from spotstream.book.verified import VerifiedBook
from spotstream.protocol.coinex.checksum import coinex_checksum, wire_checksum
from spotstream.protocol.coinex.v2 import wire

DEPTH = b"""{"method":"depth.update","data":{"market":"ETHUSDT","is_full":true,"depth":{
   "asks":[["30740.00","0.31763545"],["30769.00","1.45155000"]],
   "bids":[["30736.00","0.04857373"],["30733.00","0.84696320"],["30725.00","0.12563353"]],
   "last":"30746.28","updated_at":1689152421692,"checksum":2460740606}},"id":null}"""
STATE = b"""{"method":"state.update","data":{"state_list":[{"market":"LATUSDT","last":"0.008157",
 "open":"0.008286","close":"0.008157","high":"0.008390","low":"0.008106",
 "volume":"807714.49139758","volume_sell":"286170.69645599","volume_buy":"266161.23236408",
 "value":"6689.21644207","period":86400}]},"id":null}"""
DEALS = b"""{"method":"deals.update","data":{"market":"BTCUSDT","deal_list":[
  {"deal_id":3514376759,"created_at":1689152421692,"side":"buy","price":"30718.42","amount":"0.00000325"},
  {"deal_id":3514376758,"created_at":1689152421692,"side":"buy","price":"30718.42","amount":"0.00015729"}]},
  "id":null}"""
BBO = b"""{"method":"bbo.update","data":{"market":"ETHUSDT","updated_at":1642145331234,
 "best_bid_price":"20000","best_bid_size":"0.1","best_ask_price":"20001","best_ask_size":"0.15"},
 "id":null}"""
INDEX = b'{"method":"index.update","data":{"market":"ETHUSDT","index_price":"40000.91"},"id":null}'


def test_depth_decodes_and_its_levels_verify() -> None:
    push = wire.PUSH_DECODER.decode(DEPTH)
    assert isinstance(push, wire.DepthUpdate)
    data = push.data
    assert (data.market, data.is_full) == ("ETHUSDT", True)
    assert (data.depth.last, data.depth.updated_at) == (Decimal("30746.28"), 1689152421692)
    assert [bytes(level.price) for level in data.depth.asks] == [b'"30740.00"', b'"30769.00"']
    book = VerifiedBook("ETHUSDT", 50, 2, 8, coinex_checksum)
    checksum = wire_checksum(data.depth.checksum)
    assert book.apply_snapshot(data.depth.bids, data.depth.asks, checksum) is ApplyResult.VERIFIED


def test_state_decodes_every_field() -> None:
    push = wire.PUSH_DECODER.decode(STATE)
    assert isinstance(push, wire.StateUpdate)
    (state,) = push.data.state_list
    assert state == wire.MarketState(
        market="LATUSDT",
        last=Decimal("0.008157"),
        open=Decimal("0.008286"),
        close=Decimal("0.008157"),
        high=Decimal("0.008390"),
        low=Decimal("0.008106"),
        volume=Decimal("807714.49139758"),
        value=Decimal("6689.21644207"),
        volume_sell=Decimal("286170.69645599"),
        volume_buy=Decimal("266161.23236408"),
        period=86400,
    )


def test_deals_bbo_and_index_decode_every_field() -> None:
    deals = wire.PUSH_DECODER.decode(DEALS)
    assert isinstance(deals, wire.DealsUpdate)
    assert deals.data.market == "BTCUSDT"
    assert deals.data.deal_list[0] == wire.Deal(
        3514376759, 1689152421692, "buy", Decimal("30718.42"), Decimal("0.00000325")
    )
    bbo = wire.PUSH_DECODER.decode(BBO)
    assert isinstance(bbo, wire.BboUpdate)
    assert bbo.data == wire.BboData(
        "ETHUSDT", 1642145331234, Decimal("20000"), Decimal("0.1"), Decimal("20001"),
        Decimal("0.15"),
    )  # fmt: skip
    index = wire.PUSH_DECODER.decode(INDEX)
    assert isinstance(index, wire.IndexUpdate)
    assert (index.data.market, index.data.index_price, index.data.mark_price) == (
        "ETHUSDT", Decimal("40000.91"), None,
    )  # fmt: skip


def test_answers_and_requests() -> None:
    ok = wire.RESPONSE_DECODER.decode(b'{"id": 1, "code": 0, "message": "OK"}')
    assert (ok.id, ok.code, ok.message, bytes(ok.data)) == (1, 0, "OK", b"")
    refused = wire.RESPONSE_DECODER.decode(b'{"id":2,"code":21001,"message":"require auth"}')
    assert (refused.code, refused.message) == (21001, "require auth")
    request = wire.Request("depth.subscribe", {"market_list": [["BTCUSDT", 10, "0", True]]}, 1)
    assert msgspec.json.decode(wire.ENCODER.encode(request)) == {
        "method": "depth.subscribe",
        "params": {"market_list": [["BTCUSDT", 10, "0", True]]},
        "id": 1,
    }


@pytest.mark.parametrize(
    "frame",
    [
        b'{"method":"depth.update","data":{"market":"X","is_full":true,"depth":{"asks":[],"bids":[]}},"id":null}',
        b'{"method":"nope.update","data":{},"id":null}',
        b'{"method":"deals.update","data":{"market":"X","deal_list":[{"deal_id":"x"}]},"id":null}',
    ],
)
def test_what_does_not_fit_is_a_validation_error(frame: bytes) -> None:
    with pytest.raises(msgspec.ValidationError):
        wire.PUSH_DECODER.decode(frame)
