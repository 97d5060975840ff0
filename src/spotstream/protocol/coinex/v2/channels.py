"""CoinEx socket API v2 channels: our channel name, CoinEx's method prefix, and the key its
subscribe lists markets (or currencies) under; the depth options' allowed values.

Facts live here once: the protocol, the client and the simulator read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Channel:
    """One subscribable feed: ``name`` is ours (what events and stream keys carry),
    ``method`` CoinEx's prefix (``depth`` -> ``depth.subscribe``/``depth.update``),
    ``list_key`` the params key of its list (``[]`` means all), ``private`` whether it needs
    ``server.sign`` first, ``per_market`` whether one stream is one market (else the feed is
    the account's or the exchange's as a whole: symbol ``""``)."""

    name: str
    method: str
    list_key: str = "market_list"
    private: bool = False
    per_market: bool = True


CHANNELS: Final[tuple[Channel, ...]] = (
    Channel("book", "depth"),
    Channel("ticker", "state"),
    Channel("trade", "deals"),
    Channel("bbo", "bbo"),
    Channel("index", "index"),
    Channel("notice", "notice", "channels", per_market=False),
    Channel("orders", "order", private=True, per_market=False),
    Channel("stop_orders", "stop", private=True, per_market=False),
    Channel("user_trades", "user_deals", private=True, per_market=False),
    Channel("balances", "balance", "ccy_list", private=True, per_market=False),
)
BY_NAME: Final = {c.name: c for c in CHANNELS}
PUBLIC_CHANNELS: Final = tuple(c.name for c in CHANNELS if not c.private)
PRIVATE_CHANNELS: Final = tuple(c.name for c in CHANNELS if c.private)

DEPTH_LIMITS: Final = (5, 10, 20, 50)
DEPTH_INTERVALS: Final = (
    "0",
    "0.000000000001",
    "0.00000000001",
    "0.0000000001",
    "0.000000001",
    "0.00000001",
    "0.0000001",
    "0.000001",
    "0.00001",
    "0.0001",
    "0.001",
    "0.01",
    "0.1",
    "1",
    "10",
    "100",
    "1000",
)
"""The merge granularities a depth subscription may ask for (spec A5.2; "0": no merge)."""
NOTICE_MAINTENANCE: Final = 101
"""The ``notice`` channel id of maintenance notices."""
