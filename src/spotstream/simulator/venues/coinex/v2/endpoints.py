"""CoinEx socket API v2's endpoint on the simulator: ``/coinex/v2/spot`` (name ``coinex_v2``).

CoinEx's own path is ``/v2/spot``; the simulator serves its venues on one port, so CoinEx's
paths sit under ``/coinex``. CoinEx sends no heartbeat (clients ping), and nothing traded on
the socket moves the market (orders go over REST).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spotstream.simulator.endpoints import Endpoint
from spotstream.simulator.msgrate import peek
from spotstream.simulator.venues.coinex.v2 import frames
from spotstream.simulator.venues.coinex.v2.session import SimCoinExV2Session

if TYPE_CHECKING:
    from spotstream.simulator.server import Simulator


def spot_session(sim: Simulator, connection_id: int) -> SimCoinExV2Session:
    venue = sim.coinex
    return SimCoinExV2Session(
        venue.hub, sim.matching, venue.keys, venue.orders, connection_id, venue.signed
    )


def throttled(message: bytes, now_ns: int) -> bytes:
    """A request over the message rate: 23002 answering its id (spec A2)."""
    _, request_id = peek(message, "method", "id")
    return frames.frame(frames.error(request_id, frames.TOO_MANY_REQUESTS))


ENDPOINTS = (Endpoint("coinex_v2", "/coinex/v2/spot", spot_session, throttled=throttled),)
"""CoinEx v2's websocket endpoints (their names are the keys of ``Simulator.urls``)."""
