"""A simulated market with a third USDT-quoted pair, for tests that watch three CoinEx
markets (the default market lists two)."""

from __future__ import annotations

from decimal import Decimal

from spotstream.simulator.market.instruments import DEFAULT_INSTRUMENTS, InstrumentSpec

XRP_USDT = InstrumentSpec(
    "XRP/USDT",
    "XRP",
    "USDT",
    5,
    8,
    Decimal("0.00001"),
    Decimal("10"),
    Decimal("0.50"),
    8,
    start_price=Decimal("0.52000"),
    typical_qty=Decimal("6000"),
    margin_initial=None,
)
THREE_USDT_MARKETS = (*DEFAULT_INSTRUMENTS, XRP_USDT)
"""The default instruments and XRP/USDT: CoinEx then serves BTCUSDT, ETHUSDT and XRPUSDT."""
