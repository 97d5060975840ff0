"""The Kraken v2 venue's own tables: its words for every rejection, its candle intervals,
its endpoints (what the server's endpoint table is built from)."""

from __future__ import annotations

from spotstream.protocol.kraken.channels import OHLC_INTERVALS
from spotstream.simulator import server
from spotstream.simulator.market.stats import CANDLE_INTERVALS
from spotstream.simulator.matching.orders import OrderError
from spotstream.simulator.matching.rejections import Rejection
from spotstream.simulator.venues.kraken.v2 import ENDPOINTS
from spotstream.simulator.venues.kraken.v2.rejections import KRAKEN_WORDS, error_text


def test_every_rejection_has_kraken_words() -> None:
    assert set(KRAKEN_WORDS) == set(Rejection)
    assert len(set(KRAKEN_WORDS.values())) == len(KRAKEN_WORDS)  # one reason, one text


def test_a_detail_follows_the_text_after_a_colon() -> None:
    error = OrderError(Rejection.INVALID_ARGUMENTS, "order_qty")
    assert error_text(error) == "EGeneral:Invalid arguments:order_qty"
    assert error_text(OrderError(Rejection.INSUFFICIENT_FUNDS)) == "EOrder:Insufficient funds"
    assert str(error) == "invalid_arguments: order_qty"  # the engine's own words are neutral


def test_the_market_keeps_every_interval_kraken_serves() -> None:
    assert set(OHLC_INTERVALS) <= set(CANDLE_INTERVALS)


def test_endpoints_follow_kraken_layout_with_the_old_paths_as_aliases() -> None:
    assert {e.name: e.paths for e in ENDPOINTS} == {
        "public": ("/v2",),
        "private": ("/auth/v2", "/v2-auth"),
        "l3": ("/l3/v2", "/v2-l3"),
    }
    assert [e.name for e in ENDPOINTS if e.moves_market] == ["private"]
    v2_names = {e.name for e in ENDPOINTS}
    assert {path: name for path, name in server.ENDPOINTS.items() if name in v2_names} == {
        "/v2": "public",
        "/auth/v2": "private",
        "/v2-auth": "private",
        "/l3/v2": "l3",
        "/v2-l3": "l3",
    }
    assert all(server.ROUTES[e.path] is e for e in ENDPOINTS)
