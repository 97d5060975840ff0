"""The simulated exchange's assets and pairs (values as a live exchange listed
them in 2024).

Prices and quantities of a pair are scaled integers: ``price_units = price × 10^price_precision``
and ``qty_units = qty × 10^qty_precision``. The market moves on the ``price_increment`` grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from spotstream.book.units import to_units


@dataclass(frozen=True, slots=True)
class AssetSpec:
    id: str
    precision: int
    precision_display: int
    borrowable: bool = True
    collateral_value: Decimal = Decimal("0.00")
    margin_rate: Decimal | None = Decimal("0.020000")
    status: str = "enabled"


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    """A tradable pair and the shape of its simulated market."""

    symbol: str
    base: str
    quote: str
    price_precision: int
    qty_precision: int
    price_increment: Decimal
    qty_min: Decimal
    cost_min: Decimal
    cost_precision: int
    start_price: Decimal  # mid price when the market is created
    typical_qty: Decimal  # median quantity of a book level
    margin_initial: Decimal | None = Decimal("0.20")
    position_limit_long: int | None = None
    position_limit_short: int | None = None
    status: str = "online"

    @property
    def qty_increment(self) -> Decimal:
        return Decimal(1).scaleb(-self.qty_precision)

    @property
    def marginable(self) -> bool:
        return self.margin_initial is not None

    @property
    def tick(self) -> int:
        """The price increment in price units."""
        return to_units(self.price_increment, self.price_precision)

    @property
    def qty_min_units(self) -> int:
        return to_units(self.qty_min, self.qty_precision)

    def price_units(self, price: Decimal) -> int:
        return to_units(price, self.price_precision)

    def qty_units(self, qty: Decimal) -> int:
        return to_units(qty, self.qty_precision)


DEFAULT_ASSETS: tuple[AssetSpec, ...] = (
    AssetSpec("USD", 4, 2, collateral_value=Decimal("1.00"), margin_rate=Decimal("0.025000")),
    AssetSpec("BTC", 10, 5, collateral_value=Decimal("1.00"), margin_rate=Decimal("0.010000")),
    AssetSpec("ETH", 10, 5, collateral_value=Decimal("1.00")),
    AssetSpec("XRP", 8, 5),
    AssetSpec("DOGE", 8, 2),
    AssetSpec("USDT", 8, 4, collateral_value=Decimal("1.00")),
)

DEFAULT_INSTRUMENTS: tuple[InstrumentSpec, ...] = (
    InstrumentSpec(
        "BTC/USD",
        "BTC",
        "USD",
        1,
        8,
        Decimal("0.1"),
        Decimal("0.0001"),
        Decimal("0.50"),
        5,
        start_price=Decimal("65000.0"),
        typical_qty=Decimal("0.25"),
        position_limit_long=300,
        position_limit_short=240,
    ),
    InstrumentSpec(
        "ETH/USD",
        "ETH",
        "USD",
        2,
        8,
        Decimal("0.01"),
        Decimal("0.002"),
        Decimal("0.50"),
        5,
        start_price=Decimal("3200.00"),
        typical_qty=Decimal("4"),
        position_limit_long=2700,
        position_limit_short=1700,
    ),
    InstrumentSpec(
        "XRP/USD",
        "XRP",
        "USD",
        5,
        8,
        Decimal("0.00001"),
        Decimal("10"),
        Decimal("0.50"),
        8,
        start_price=Decimal("0.52000"),
        typical_qty=Decimal("6000"),
        position_limit_long=2000000,
        position_limit_short=1200000,
    ),
    InstrumentSpec(
        "DOGE/USD",
        "DOGE",
        "USD",
        7,
        8,
        Decimal("0.0000001"),
        Decimal("60"),
        Decimal("0.50"),
        9,
        start_price=Decimal("0.1500000"),
        typical_qty=Decimal("20000"),
        position_limit_long=10700000,
        position_limit_short=6100000,
    ),
    InstrumentSpec(
        "ETH/BTC",
        "ETH",
        "BTC",
        5,
        8,
        Decimal("0.00001"),
        Decimal("0.002"),
        Decimal("0.00002"),
        10,
        start_price=Decimal("0.05000"),
        typical_qty=Decimal("3"),
        position_limit_long=1000,
        position_limit_short=600,
    ),
    # USDT-quoted pairs, which every venue serves (one tick and one lot each, whatever the
    # venue's name for them)
    InstrumentSpec(
        "BTC/USDT",
        "BTC",
        "USDT",
        2,
        8,
        Decimal("0.01"),
        Decimal("0.00005"),
        Decimal("0.50"),
        8,
        start_price=Decimal("65000.00"),
        typical_qty=Decimal("0.25"),
        margin_initial=None,
    ),
    InstrumentSpec(
        "ETH/USDT",
        "ETH",
        "USDT",
        2,
        8,
        Decimal("0.01"),
        Decimal("0.002"),
        Decimal("0.50"),
        8,
        start_price=Decimal("3200.00"),
        typical_qty=Decimal("4"),
        margin_initial=None,
    ),
)
