"""The Kraken v1 private session on the sans-I/O harness (no tests of its own).

:class:`V1Client` drives a :class:`SimKrakenV1PrivateSession` over the harness's market and
matching engine (the same engine a v2 :class:`~simulator.private_harness.Client` of the same
harness uses), decodes what it writes and checks every private message's shape and sequence.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from simulator.private_harness import TOKENS, Harness, payload
from spotstream.simulator.venues.kraken.v1.hub import KrakenV1Hub
from spotstream.simulator.venues.kraken.v1.private import SimKrakenV1PrivateSession

TIME = re.compile(r"^\d{10}\.\d{6}$")


def v1_hub(h: Harness) -> KrakenV1Hub:
    return KrakenV1Hub(h.market, h.fanout, h.clock, h.faults)


class V1Client:
    """Feeds v1 requests to a private session and decodes what it wrote."""

    def __init__(self, h: Harness, hub: KrakenV1Hub | None = None) -> None:
        self.h = h
        self.hub = hub or v1_hub(h)
        self.session = SimKrakenV1PrivateSession(h.engine, self.hub, 43, TOKENS.get)
        self.sequences: dict[str, int] = {}
        self.session.open()
        (status,) = self.read()
        assert status["event"] == "systemStatus"
        assert status["connectionID"] == 43

    def send(self, message: dict[str, Any]) -> list[Any]:
        self.session.receive(msgspec.json.encode(message))
        return self.read()

    def subscribe(self, name: str, reqid: int = 1, **options: Any) -> list[Any]:
        subscription = {"name": name, "token": "tok", **options}
        return self.send({"event": "subscribe", "reqid": reqid, "subscription": subscription})

    def trade(self, event: str, reqid: int | None = 1, **fields: Any) -> list[Any]:
        message: dict[str, Any] = {"event": event, "token": "tok", **fields}
        if reqid is not None:
            message["reqid"] = reqid
        return self.send(message)

    def read(self) -> list[Any]:
        out = []
        for frame in self.session.outbox:
            message = msgspec.json.decode(payload(frame))
            if isinstance(message, list):
                self._check_private(message)
            else:
                assert list(message) == sorted(message), message  # Kraken's key order
            out.append(message)
        self.session.outbox.clear()
        return out

    def _check_private(self, message: list[Any]) -> None:
        entries, channel, sequence = message
        assert channel in ("ownTrades", "openOrders")
        assert list(sequence) == ["sequence"]
        expected = self.sequences.get(channel, 0) + 1
        assert sequence["sequence"] == expected, (channel, sequence, expected)
        self.sequences[channel] = expected
        for entry in entries:
            ((key, value),) = entry.items()
            assert re.fullmatch(r"[OT][A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{6}", key)
            for field in ("time", "opentm", "lastupdated"):
                if field in value:
                    assert TIME.match(value[field]), value


def channel(messages: list[Any], name: str) -> list[dict[str, Any]]:
    """The ``{id: object}`` entries of ``name``'s messages, in order, as (id, object)."""
    return [entry for m in messages if isinstance(m, list) and m[1] == name for entry in m[0]]
