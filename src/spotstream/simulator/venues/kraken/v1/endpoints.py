"""Kraken WebSocket v1's endpoints on the simulator: public ``/`` and private ``/auth``.

Kraken serves v1 at the root of its hosts (``wss://ws.kraken.com``, ``wss://ws-auth.kraken.com``),
so on the simulator's one port v1 takes the root path and ``/auth``, beside v2's ``/v2`` and
``/auth/v2``. Each endpoint sends v1's heartbeat, ``{"event":"heartbeat"}``, to a subscribed
connection that has been quiet for the heartbeat interval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spotstream.simulator.endpoints import Endpoint
from spotstream.simulator.framing import ws_frame
from spotstream.simulator.venues.kraken.v1.frames import HEARTBEAT
from spotstream.simulator.venues.kraken.v1.private import SimKrakenV1PrivateSession
from spotstream.simulator.venues.kraken.v1.public import SimKrakenV1PublicSession

if TYPE_CHECKING:
    from spotstream.simulator.server import Simulator


def public_session(sim: Simulator, connection_id: int) -> SimKrakenV1PublicSession:
    return SimKrakenV1PublicSession(sim.hub_v1, connection_id)


def private_session(sim: Simulator, connection_id: int) -> SimKrakenV1PrivateSession:
    authorize = sim.credentials.authorizer(connection_id)
    return SimKrakenV1PrivateSession(sim.matching, sim.hub_v1, connection_id, authorize)


_HEARTBEAT = ws_frame(HEARTBEAT)
EXCEEDED_MSG_RATE = ws_frame(b'{"Error":"Exceeded msg rate"}')  # as users report (UNCONFIRMED)


def throttled(message: bytes, now_ns: int) -> bytes:
    """A request over the message rate: Kraken v1's one refusal, echoing nothing."""
    return EXCEEDED_MSG_RATE


ENDPOINTS = (
    Endpoint("kraken_v1_public", "/", public_session, heartbeat=_HEARTBEAT, throttled=throttled),
    Endpoint(
        "kraken_v1_private",
        "/auth",
        private_session,
        moves_market=True,
        heartbeat=_HEARTBEAT,
        throttled=throttled,
    ),
)
"""Kraken v1's websocket endpoints (their names are keys of ``Simulator.urls``)."""
