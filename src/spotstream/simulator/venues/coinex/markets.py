"""Which of the simulator's pairs CoinEx lists, under which names, and how it writes numbers.

CoinEx serves only the USDT-quoted pairs (``BTC/USDT`` is its ``BTCUSDT``); a CoinEx market is
never an alias of a USD pair. Every price and amount is a JSON string with a fixed number of
decimals: prices with the pair's price decimals, base amounts with its quantity decimals,
quote amounts (values, fees in USDT) with the quote asset's decimals (``"30740.00"``,
``"0.31763545"``). :data:`ENCODER` writes the :class:`~spotstream.simulator.framing.WireDecimal`
values built here as those strings, verbatim (a plain ``Decimal`` zero would come out as
``"0E-8"``).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import msgspec

from spotstream.simulator.framing import WireDecimal, number
from spotstream.simulator.market.instruments import AssetSpec, InstrumentSpec
from spotstream.simulator.matching.accounts import DEFAULT_PRECISION, quantize

QUOTE = "USDT"


def market_name(spec: InstrumentSpec) -> str:
    """CoinEx's name of a pair: ``BTC/USDT`` -> ``BTCUSDT``."""
    return spec.base + spec.quote


def coinex_markets(instruments: Iterable[InstrumentSpec]) -> dict[str, InstrumentSpec]:
    """The pairs CoinEx lists, by CoinEx market name, in instrument order."""
    return {market_name(spec): spec for spec in instruments if spec.quote == QUOTE}


class MarketNumbers:
    """The wire strings of one market's prices, base amounts and quote amounts."""

    __slots__ = ("price_precision", "qty_precision", "quote_precision")

    def __init__(self, spec: InstrumentSpec, quote_precision: int) -> None:
        self.price_precision = spec.price_precision
        self.qty_precision = spec.qty_precision
        self.quote_precision = quote_precision

    def price(self, units: int) -> WireDecimal:
        return number(units, self.price_precision, "fixed")

    def amount(self, units: int) -> WireDecimal:
        return number(units, self.qty_precision, "fixed")

    def price_text(self, units: int) -> str:
        return self.price(units).text

    def amount_text(self, units: int) -> str:
        return self.amount(units).text


def asset_precisions(assets: Iterable[AssetSpec]) -> dict[str, int]:
    return {asset.id: asset.precision for asset in assets}


def money(value: Decimal, places: int = DEFAULT_PRECISION) -> WireDecimal:
    """A money amount (a balance, a value, a fee) with exactly ``places`` decimals."""
    fixed = quantize(value, places)
    text = format(fixed, "f")
    result = WireDecimal(text)
    result.text = text
    return result


def _enc_hook(obj: Any) -> msgspec.Raw:
    if isinstance(obj, WireDecimal):
        return msgspec.Raw(f'"{obj.text}"'.encode())
    raise NotImplementedError(f"cannot encode {type(obj).__name__}")


ENCODER = msgspec.json.Encoder(enc_hook=_enc_hook)
"""Encodes CoinEx wire Structs built from :class:`WireDecimal` values (as strings)."""
