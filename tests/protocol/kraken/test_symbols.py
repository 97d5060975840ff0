"""The v1 <-> v2 pair spellings (XBT <-> BTC, XDG <-> DOGE), both directions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spotstream.protocol.kraken.symbols import to_v1, to_v2


@pytest.mark.parametrize(
    ("v1", "v2"),
    [
        ("XBT/USD", "BTC/USD"),
        ("XDG/USD", "DOGE/USD"),
        ("ETH/XBT", "ETH/BTC"),
        ("XDG/XBT", "DOGE/BTC"),
        ("ETH/USD", "ETH/USD"),
        ("USDC/GBP", "USDC/GBP"),
    ],
)
def test_both_spellings_round_trip(v1: str, v2: str) -> None:
    assert to_v2(v1) == v2
    assert to_v1(v2) == v1
    assert to_v2(v2) == v2  # already v2
    assert to_v1(v1) == v1  # already v1


@pytest.mark.parametrize("odd", ["XBTUSD", "", "/", "XBT/", "/USD", "A/B/C"])
def test_what_is_not_a_pair_is_left_for_the_exchange_to_refuse(odd: str) -> None:
    assert to_v2(odd) == odd
    assert to_v1(odd) == odd


def test_every_v1_pair_of_the_captured_asset_pairs_maps_to_a_distinct_v2_symbol(
    captures: Path,
) -> None:
    """Kraken's REST AssetPairs of 2021-04-17 (tests/data/cryptofeed/KRAKEN.0)."""
    first_line = (captures / "cryptofeed" / "KRAKEN.0").read_text().splitlines()[0]
    document = json.loads(first_line.split(": ", 1)[1])
    wsnames = [p["wsname"] for p in document["result"].values() if "wsname" in p]
    assert len(wsnames) == 293
    mapped = {to_v2(name) for name in wsnames}
    assert len(mapped) == len(set(wsnames))  # no two v1 pairs collapse into one
    assert "BTC/USD" in mapped
    assert all(to_v1(to_v2(name)) == name for name in wsnames)
