"""A websocket protocol error from the server ends that connection, never the client.

Each case is one hostile frame written raw after a correct upgrade; the second connection
attempt is a well-behaved one. Both transports must log the error, reconnect, and leave the
``async with`` without raising.
"""

from __future__ import annotations

import pytest

from spotstream import KrakenSocketClient, LifecycleKind, ReconnectPolicy
from support.hostile import HostileServer, Reply, Upgrade, frame, frame_header
from support.wait import eventually

FAST = ReconnectPolicy(initial=0.01, maximum=0.05)
LIMIT = 64 << 20  # the client's frame size limit (both transports)

HOSTILE_FRAMES = {
    "bad-opcode": bytes([0x83, 0x00]),  # opcode 3 is reserved
    "masked-server-frame": frame(0x1, b'{"channel":"heartbeat"}', mask=b"\x11\x22\x33\x44"),
    "oversized-control-frame": frame(0x9, b"x" * 126),  # control payloads are <= 125
    "fragmented-control-frame": frame(0x9, b"ping", fin=False),
    "invalid-close-code": frame(0x8, (999).to_bytes(2, "big") + b"bye"),
    "reserved-close-code": frame(0x8, (1005).to_bytes(2, "big")),
    "frame-over-limit": frame_header(0x2, LIMIT + 1),
}


@pytest.mark.parametrize("transport", ["picows", "websockets"])
@pytest.mark.parametrize("case", sorted(HOSTILE_FRAMES))
async def test_protocol_error_ends_the_connection_and_the_client_reconnects(
    transport: str, case: str
) -> None:
    def script(attempt: int) -> Reply:
        return Upgrade(HOSTILE_FRAMES[case]) if attempt == 1 else Upgrade()

    async with (
        HostileServer(script) as server,
        KrakenSocketClient(url=server.url, transport=transport, reconnect=FAST) as client,
    ):
        await server.wait_attempts(2)
        lifecycle = client.session.stats.lifecycle
        await eventually(
            lambda: [e.kind for e in lifecycle].count(LifecycleKind.CONNECTED) == 2,
            what="connected again after the hostile frame",
        )
        assert LifecycleKind.CONNECTION_LOST in [e.kind for e in lifecycle]
        rtt = await client.spot.ping()  # the new connection works
        assert rtt >= 0


@pytest.mark.parametrize("transport", ["picows", "websockets"])
async def test_text_that_is_not_utf8_never_takes_the_client_down(transport: str) -> None:
    """websockets fails the connection (a protocol error); picows does not check UTF-8 and
    delivers the bytes, which the protocol counts as a malformed frame. Either way the
    client goes on."""

    def script(attempt: int) -> Reply:
        return Upgrade(frame(0x1, b"\xff\xfe")) if attempt == 1 else Upgrade()

    async with (
        HostileServer(script) as server,
        KrakenSocketClient(url=server.url, transport=transport, reconnect=FAST) as client,
    ):
        session = client.session
        await eventually(
            lambda: session.stats.unhandled == 1 or server.attempts == 2,
            what="the frame counted, or the connection replaced",
        )
        assert await client.spot.ping() >= 0
