"""Kraken WebSocket v2's endpoints on the simulator: public, private and level 3.

Paths follow Kraken's layout (``/v2``, ``/auth/v2``, ``/l3/v2``), so a client that appends the
version path to a base URL works with the base alone; the paths of earlier releases
(``/v2-auth``, ``/v2-l3``) still answer. Private and level-3 sessions authorize tokens through
the simulator's credential store. Each endpoint sends Kraken's heartbeat to a subscribed
connection that has been quiet for the heartbeat interval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spotstream.simulator.endpoints import Endpoint
from spotstream.simulator.framing import ws_frame
from spotstream.simulator.msgrate import peek
from spotstream.simulator.venues.kraken.v2.frames import HEARTBEAT, error
from spotstream.simulator.venues.kraken.v2.l3 import SimKrakenV2L3Session
from spotstream.simulator.venues.kraken.v2.private import SimKrakenV2PrivateSession
from spotstream.simulator.venues.kraken.v2.public import SimKrakenV2PublicSession

if TYPE_CHECKING:
    from spotstream.simulator.server import Simulator


def public_session(sim: Simulator, connection_id: int) -> SimKrakenV2PublicSession:
    return SimKrakenV2PublicSession(sim.hub, connection_id)


def private_session(sim: Simulator, connection_id: int) -> SimKrakenV2PrivateSession:
    authorize = sim.credentials.authorizer(connection_id)
    return SimKrakenV2PrivateSession(sim.matching, sim.hub, connection_id, authorize)


def l3_session(sim: Simulator, connection_id: int) -> SimKrakenV2L3Session:
    authorize = sim.credentials.authorizer(connection_id)
    return SimKrakenV2L3Session(sim.level3, connection_id, authorize)


EXCEEDED_MSG_RATE = "Exceeded msg rate"


def throttled(message: bytes, now_ns: int) -> bytes:
    """A request over the message rate, refused as Kraken v2 refuses any request."""
    method, req_id = peek(message, "method", "req_id")
    return ws_frame(error(method, req_id, EXCEEDED_MSG_RATE, now_ns, now_ns))


_HEARTBEAT = ws_frame(HEARTBEAT)
ENDPOINTS = (
    Endpoint("public", "/v2", public_session, heartbeat=_HEARTBEAT, throttled=throttled),
    Endpoint(
        "private",
        "/auth/v2",
        private_session,
        ("/v2-auth",),
        moves_market=True,
        heartbeat=_HEARTBEAT,
        throttled=throttled,
    ),
    Endpoint("l3", "/l3/v2", l3_session, ("/v2-l3",), heartbeat=_HEARTBEAT, throttled=throttled),
)
"""Kraken v2's websocket endpoints (their names are the keys of ``Simulator.urls``)."""
