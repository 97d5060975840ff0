"""Kraken's channel limits, the same in WebSocket v1 and v2: one table for both versions."""

from __future__ import annotations

BOOK_DEPTHS = (10, 25, 100, 500, 1000)
"""The depths a ``book`` subscription may ask for."""
OHLC_INTERVALS = (1, 5, 15, 30, 60, 240, 1440, 10080, 21600)
"""The candle intervals, in minutes."""
