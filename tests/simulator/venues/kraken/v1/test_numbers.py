"""Kraken v1 numbers: one fixed width per pair, every time, exact (spec §6)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotstream.simulator.market.instruments import DEFAULT_INSTRUMENTS, InstrumentSpec
from spotstream.simulator.venues.kraken.rest import asset_pair_info
from spotstream.simulator.venues.kraken.v1.numbers import (
    TIME_WIDTH,
    V1_PRICE_DECIMALS,
    V1Numbers,
    epoch_text,
    fixed,
    price_decimals,
)


@pytest.mark.parametrize("spec", DEFAULT_INSTRUMENTS, ids=lambda s: s.symbol)
@given(units=st.integers(0, 10**15))
def test_prices_and_volumes_have_one_width_and_are_exact(spec: InstrumentSpec, units: int) -> None:
    numbers = V1Numbers(spec)
    places = price_decimals(spec)
    price, volume = numbers.price(units), numbers.volume(units)
    assert re.fullmatch(rf"\d+\.\d{{{places}}}", price), price
    assert re.fullmatch(r"\d+\.\d{8}", volume), volume
    assert Decimal(price) == Decimal(units).scaleb(-spec.price_precision)
    assert Decimal(volume) == Decimal(units).scaleb(-spec.qty_precision)
    assert numbers.price(units) is price  # cached: the same text every time


def test_observed_widths_are_wider_than_pair_decimals_where_kraken_is() -> None:
    """XBT/USD and ETH/USD as live v1 writes them; REST still says 1 and 2 decimals."""
    widths = {spec.symbol: price_decimals(spec) for spec in DEFAULT_INSTRUMENTS}
    assert widths == {
        "BTC/USD": 5,
        "ETH/USD": 5,
        "XRP/USD": 5,
        "DOGE/USD": 7,
        "ETH/BTC": 5,
        "BTC/USDT": 2,  # not observed live: the pair's own decimals
        "ETH/USDT": 2,
    }
    for spec in DEFAULT_INSTRUMENTS:
        assert asset_pair_info(spec)["pair_decimals"] == spec.price_precision
        assert widths[spec.symbol] >= spec.price_precision
    assert set(V1_PRICE_DECIMALS) <= {spec.symbol for spec in DEFAULT_INSTRUMENTS}


@given(ns=st.integers(0, 9_999_999_999 * 10**9 + 999_999_999))
def test_times_are_epoch_seconds_with_microseconds(ns: int) -> None:
    text = epoch_text(ns)
    seconds, fraction = text.split(".")
    assert len(fraction) == 6
    assert int(seconds) == ns // 10**9
    assert Decimal(text) == Decimal(ns // 1000).scaleb(-6)
    if ns >= 10**18:  # from 2001-09-09 on, for centuries
        assert len(text) == TIME_WIDTH


@given(value=st.decimals(min_value=0, max_value=10**9, places=12), places=st.integers(0, 10))
def test_quote_amounts_are_rounded_to_the_width(value: Decimal, places: int) -> None:
    text = fixed(value, places)
    assert len(text.partition(".")[2]) == places
    assert abs(Decimal(text) - value) <= Decimal(1).scaleb(-places) / 2
