"""CoinEx's production endpoints, and the environment variables that point a client (or the
CLI) elsewhere, e.g. at ``spotstream sim``."""

from __future__ import annotations

from typing import Final

COINEX_V2_URL: Final = "wss://socket.coinex.com/v2/spot"
COINEX_REST_URL: Final = "https://api.coinex.com"
"""REST v2's base: ``COINEX_REST_URL + "/v2/spot/market"``."""
COINEX_V1_URL: Final = "wss://socket.coinex.com/"
"""Socket API v1 (retired by CoinEx in 2025; the simulator serves it at ``/coinex/``)."""
COINEX_V1_URL_ENV: Final = "SPOTSTREAM_COINEX_V1_URL"
COINEX_V2_URL_ENV: Final = "SPOTSTREAM_COINEX_V2_URL"
COINEX_REST_URL_ENV: Final = "SPOTSTREAM_COINEX_REST_URL"
