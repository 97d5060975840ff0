"""How Kraken WebSocket v1 writes numbers: quoted strings of one fixed width per pair.

Every v1 number is a string (``"65000.10000"``, ``"0.25000000"``) and its width never varies
for a pair, which is what lets a client that keeps the text (or parses it to ``Decimal``)
reproduce the book checksum (spec §6). The widths, as live Kraken writes them:

- prices, and every amount in the quote currency (costs, fees, vwaps): the pair's v1 price
  decimals. These are *not* always REST ``AssetPairs`` ``pair_decimals``: live v1 traffic
  writes ``XBT/USD`` with 5 decimals (``"37080.10000"``, ``pair_decimals`` 1) and ``ETH/USD``
  with 5 (``"1967.68000"``, ``pair_decimals`` 2) in every capture we hold (cryptofeed 2021,
  python-kraken-sdk 2023, kraken-async-rs 2023; other pairs likewise run wider than their
  ``pair_decimals``). :data:`V1_PRICE_DECIMALS` holds the observed widths; a pair without an
  observation uses its ``pair_decimals``. A client that renders v1 numbers with
  ``pair_decimals`` computes wrong checksums on those pairs, here as against Kraken;
- volumes: the pair's ``lot_decimals`` (8 for every pair of the simulated market);
- times: epoch seconds with 6 decimals (``"1534614057.321597"``), 17 characters until 2286.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from spotstream.simulator.framing import units_text
from spotstream.simulator.market.instruments import InstrumentSpec

V1_PRICE_DECIMALS: dict[str, int] = {"BTC/USD": 5, "ETH/USD": 5}
"""Observed v1 price widths by market symbol (see the module docstring)."""
TIME_WIDTH = 17  # len("1700000000.000000")
_NS_PER_S = 1_000_000_000


def price_decimals(spec: InstrumentSpec) -> int:
    """The v1 width of the pair's prices (never fewer decimals than its market grid)."""
    return max(spec.price_precision, V1_PRICE_DECIMALS.get(spec.symbol, spec.price_precision))


def epoch_text(ns: int) -> str:
    """Epoch nanoseconds as v1 writes a time: ``"1700000000.123456"`` (µs, truncated)."""
    seconds, fraction = divmod(ns, _NS_PER_S)
    return f"{seconds}.{fraction // 1000:06d}"


class V1Numbers:
    """The v1 text of one pair's prices, volumes and quote amounts (fixed width)."""

    __slots__ = ("_prices", "_scale", "price_places", "qty_places")

    _CACHE_LIMIT = 1 << 16

    def __init__(self, spec: InstrumentSpec) -> None:
        self.price_places = price_decimals(spec)
        self.qty_places = spec.qty_precision
        self._scale = 10 ** (self.price_places - spec.price_precision)
        self._prices: dict[int, str] = {}

    def price(self, units: int) -> str:
        """A price given in market units (the instrument's ``price_precision``)."""
        text = self._prices.get(units)
        if text is None:
            if len(self._prices) >= self._CACHE_LIMIT:
                self._prices.clear()
            text = units_text(units * self._scale, self.price_places, "fixed")
            self._prices[units] = text
        return text

    def volume(self, units: int) -> str:
        """A quantity given in market units (the instrument's ``qty_precision``)."""
        return units_text(units, self.qty_places, "fixed")

    def quote(self, value: Decimal) -> str:
        """An amount of the quote currency (cost, fee, average price) at the price width."""
        return fixed(value, self.price_places)

    def base(self, value: Decimal) -> str:
        """An amount of the base currency (a fee taken in base) at the volume width."""
        return fixed(value, self.qty_places)


def fixed(value: Decimal, places: int) -> str:
    """``value`` rounded half-even to ``places`` decimals, written with all of them."""
    exponent = Decimal(1).scaleb(-places)
    return format(value.quantize(exponent, rounding=ROUND_HALF_EVEN), "f")
