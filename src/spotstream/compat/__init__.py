"""Compatibility facades: other libraries' interfaces on spotstream's machinery.

:mod:`spotstream.compat.kraken_sdk` offers python-kraken-sdk's ``SpotWSClient`` and
``SpotOrderBookClient`` (Kraken websocket API v2), so code written for the SDK runs with
only its import line changed.
"""

from spotstream.compat.kraken_sdk import SpotOrderBookClient, SpotWSClient

__all__ = ["SpotOrderBookClient", "SpotWSClient"]
