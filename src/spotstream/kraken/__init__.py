"""Kraken, as users see it: :class:`KrakenSocketClient` and its spot streams."""

from spotstream.kraken.client import (
    KRAKEN_REST_URL,
    KRAKEN_V2_BETA_URL,
    KRAKEN_V2_L3_URL,
    KRAKEN_V2_PRIVATE_URL,
    KRAKEN_V2_PUBLIC_URL,
    KrakenSocketClient,
)
from spotstream.kraken.spot import KrakenSpotStreams

__all__ = [
    "KRAKEN_REST_URL",
    "KRAKEN_V2_BETA_URL",
    "KRAKEN_V2_L3_URL",
    "KRAKEN_V2_PRIVATE_URL",
    "KRAKEN_V2_PUBLIC_URL",
    "KrakenSocketClient",
    "KrakenSpotStreams",
]
