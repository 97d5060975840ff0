"""CoinEx socket API v1's endpoint on the simulator: ``/coinex/`` (name ``coinex_v1``).

CoinEx served v1 at ``wss://socket.coinex.com/`` (discontinued in 2024, spec B1); the
simulator serves its venues on one port, so it sits under ``/coinex`` (with or without the
trailing ``/``), beside v2's ``/coinex/v2/spot``. No heartbeat (clients send ``server.ping``);
nothing on the socket moves the market (orders go over REST v2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spotstream.simulator.endpoints import Endpoint
from spotstream.simulator.msgrate import peek
from spotstream.simulator.venues.coinex.v1 import frames
from spotstream.simulator.venues.coinex.v1.session import SimCoinExV1Session

if TYPE_CHECKING:
    from spotstream.simulator.server import Simulator


def socket_session(sim: Simulator, connection_id: int) -> SimCoinExV1Session:
    venue = sim.coinex
    return SimCoinExV1Session(
        venue.hub_v1, sim.matching, venue.keys, venue.orders, connection_id, venue.signed
    )


def throttled(message: bytes, now_ns: int) -> bytes:
    """A request over the message rate: 23002 answering its id, in v1's error envelope."""
    _, request_id = peek(message, "method", "id")
    return frames.frame(frames.error(request_id, frames.TOO_MANY_REQUESTS))


ENDPOINTS = (
    Endpoint("coinex_v1", "/coinex/", socket_session, aliases=("/coinex",), throttled=throttled),
)
"""CoinEx v1's websocket endpoint (its name is a key of ``Simulator.urls``)."""
