"""The local exchange simulator: a seeded market served over Kraken WebSocket v2.

>>> async with Simulator(seed=7, rate=50) as sim:     # doctest: +SKIP
...     url = sim.urls["public"]                       # ws://127.0.0.1:PORT/v2
"""

from spotstream.simulator.faults import Faults
from spotstream.simulator.market import Market, MarketStep
from spotstream.simulator.server import Clock, ManualClock, Rate, Simulator, serve_forever

__all__ = [
    "Clock",
    "Faults",
    "ManualClock",
    "Market",
    "MarketStep",
    "Rate",
    "Simulator",
    "serve_forever",
]
