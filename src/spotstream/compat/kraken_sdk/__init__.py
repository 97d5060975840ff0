"""A drop-in for python-kraken-sdk's v2 websocket clients, built on spotstream.

Change ``from kraken.spot import SpotWSClient, SpotOrderBookClient`` to
``from spotstream.compat.kraken_sdk import SpotWSClient, SpotOrderBookClient`` and the SDK's
documented examples run as they are: same constructors, methods, properties, callbacks and
message shapes (the raw Kraken v2 dicts, plus the SDK's synthetic
``{"python-kraken-sdk": {"error": ...}}`` messages and the order book dict of
``SpotOrderBookClient.get``). Underneath, spotstream's transport seam, managed connection
(backoff within Kraken's connection budget, watchdog), WebSocket token fetcher and exactly
verified books (:class:`~spotstream.book.verified.VerifiedBook`) do the work.

Differences from the SDK (docs/compat-kraken-sdk.md has the full list): JSON numbers that are
not integers arrive as exact ``decimal.Decimal``, never ``float``; the clients are not REST
clients (no ``request``); ``start()`` raises when a connection cannot be made instead of
waiting forever; pair precisions come from the ``instrument`` channel, not from REST.

Endpoints default to Kraken's. Override them per client (the SDK's ``ws_url``/``auth_ws_url``
bases, spotstream's full ``public_url``/``private_url``, and ``rest_url``) or for every client
with ``SPOTSTREAM_KRAKEN_PUBLIC_URL``, ``SPOTSTREAM_KRAKEN_PRIVATE_URL`` and
``SPOTSTREAM_KRAKEN_REST_URL`` (e.g. the URLs ``spotstream sim`` prints), so an example runs
unchanged against the simulator.
"""

from spotstream.compat.kraken_sdk.book import SpotOrderBookClient
from spotstream.compat.kraken_sdk.connection import MAX_RECONNECT_ERROR, SDK_ERROR_KEY
from spotstream.compat.kraken_sdk.ws import (
    PRIVATE_URL_ENV,
    PUBLIC_URL_ENV,
    REST_URL_ENV,
    KrakenAuthenticationError,
    SpotWSClient,
    WSState,
)

__all__ = [
    "MAX_RECONNECT_ERROR",
    "PRIVATE_URL_ENV",
    "PUBLIC_URL_ENV",
    "REST_URL_ENV",
    "SDK_ERROR_KEY",
    "KrakenAuthenticationError",
    "SpotOrderBookClient",
    "SpotWSClient",
    "WSState",
]
