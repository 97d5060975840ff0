"""What both Kraken v1 endpoints do alike: greet, answer ``ping``, refuse what they cannot read.

A session is sans-I/O: :meth:`V1Session.receive` takes one request frame and appends complete
websocket frames to ``outbox``, which the server writes. On connect it sends ``systemStatus``
(``connectionID`` a uint64, ``status`` online, ``version`` 1.9.1, as captured); ``ping``
answers ``pong`` with the request's ``reqid``. A request that is not a JSON object, or whose
``reqid`` is not an integer, is ``{"errorMessage":"Malformed request","event":"error"}``; an
event the endpoint does not know ``{"errorMessage":"Event(s) not found","event":"error"}``
(the spec marks that envelope UNCONFIRMED).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spotstream.simulator.framing import ws_frame
from spotstream.simulator.venues.kraken.v1 import frames
from spotstream.simulator.venues.kraken.v1.requests import (
    UNKNOWN_EVENT,
    RequestError,
    check_reqid,
    parse,
    reqid_of,
)

Handler = Callable[[dict[str, Any]], None]


class V1Session:
    """The part of a v1 connection every endpoint shares; ``handlers`` maps events."""

    def __init__(self, connection_id: int) -> None:
        self.connection_id = connection_id
        self.outbox: list[bytes] = []
        self.handlers: dict[str, Handler] = {"ping": self._ping}

    def open(self) -> None:
        """Greet a new connection."""
        self.send(frames.system_status(self.connection_id))

    def receive(self, payload: bytes | str) -> None:
        """Handle one request frame."""
        try:
            message = parse(payload)
            check_reqid(message)
        except RequestError as error:
            self.send(frames.event_error(error.text))
            return
        event = message.get("event")
        handler = self.handlers.get(event) if isinstance(event, str) else None
        if handler is None:
            self.send(frames.event_error(UNKNOWN_EVENT, reqid_of(message)))
        else:
            handler(message)

    def _ping(self, message: dict[str, Any]) -> None:
        self.send(frames.pong(reqid_of(message)))

    # --- output -------------------------------------------------------------------------------

    def send(self, payload: bytes) -> None:
        self.outbox.append(ws_frame(payload))

    def status(self, message: dict[str, Any], status: str, **fields: Any) -> None:
        """One ``subscriptionStatus`` answering ``message``."""
        self.send(frames.subscription_status(status, reqid_of(message), **fields))

    def refuse(self, message: dict[str, Any], text: str, pair: str | None = None) -> None:
        """A ``subscriptionStatus`` error, echoing the subscription as sent."""
        sent = message.get("subscription")
        echo = frames.sorted_object(sent) if isinstance(sent, dict) else None
        self.status(message, "error", error_message=text, pair=pair, subscription=echo)
