"""Kraken, as users see it: :class:`KrakenSocketClient` and its spot streams (WebSocket v2
and v1)."""

from spotstream.kraken.client import KrakenSocketClient
from spotstream.kraken.spot import KrakenSpotStreams
from spotstream.kraken.versions import (
    KRAKEN_REST_URL,
    KRAKEN_V1_BETA_PRIVATE_URL,
    KRAKEN_V1_BETA_URL,
    KRAKEN_V1_PRIVATE_URL,
    KRAKEN_V1_PUBLIC_URL,
    KRAKEN_V2_BETA_URL,
    KRAKEN_V2_L3_URL,
    KRAKEN_V2_PRIVATE_URL,
    KRAKEN_V2_PUBLIC_URL,
)

__all__ = [
    "KRAKEN_REST_URL",
    "KRAKEN_V1_BETA_PRIVATE_URL",
    "KRAKEN_V1_BETA_URL",
    "KRAKEN_V1_PRIVATE_URL",
    "KRAKEN_V1_PUBLIC_URL",
    "KRAKEN_V2_BETA_URL",
    "KRAKEN_V2_L3_URL",
    "KRAKEN_V2_PRIVATE_URL",
    "KRAKEN_V2_PUBLIC_URL",
    "KrakenSocketClient",
    "KrakenSpotStreams",
]
