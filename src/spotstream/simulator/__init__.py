"""The local exchange simulator: one seeded market served over Kraken WebSocket v2, v1, REST
and CoinEx v2 (socket and REST).

>>> async with Simulator(seed=7, rate=50) as sim:     # doctest: +SKIP
...     url = sim.urls["public"]                       # ws://127.0.0.1:PORT/v2
...     rest = sim.urls["rest"]                        # http://127.0.0.1:PORT (GetWebSocketsToken)
...     key, secret = TEST_ACCOUNT.api_key, TEST_ACCOUNT.api_secret   # a funded account

``sim.urls`` also has ``"private"`` (``/auth/v2``: executions, balances, trading) and ``"l3"``
(``/l3/v2``: level 3), both needing a token from ``rest + "/0/private/GetWebSocketsToken"``,
then Kraken v1's ``"kraken_v1_public"`` (``/``) and ``"kraken_v1_private"`` (``/auth``),
then CoinEx's ``"coinex_v2"`` (``/coinex/v2/spot``; ``server.sign`` with the test account's
``COINEX_TEST_KEY`` from :mod:`spotstream.simulator.venues.coinex.credentials`) and
``"coinex_rest"`` (``http://H:P/coinex``: REST v2 paths follow it, signed without the prefix).
"""

from spotstream.simulator.faults import Faults
from spotstream.simulator.market.state import Market, MarketStep
from spotstream.simulator.matching.accounts import DEFAULT_ACCOUNTS, TEST_ACCOUNT, AccountSpec
from spotstream.simulator.server import Clock, ManualClock, Rate, Simulator, serve_forever

__all__ = [
    "DEFAULT_ACCOUNTS",
    "TEST_ACCOUNT",
    "AccountSpec",
    "Clock",
    "Faults",
    "ManualClock",
    "Market",
    "MarketStep",
    "Rate",
    "Simulator",
    "serve_forever",
]
