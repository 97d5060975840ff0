"""Errors at the websocket handshake are classified once: retry, or stop dialling.

401/403/404 will not heal by dialling again: pending and new requests fail at once with a
:class:`ConnectionRejectedError` carrying the HTTP status and the start of the body, and the
client dials again only when the user calls again. 5xx and network errors are retried with
backoff.
"""

from __future__ import annotations

import asyncio

import pytest

from spotstream import KrakenSocketClient, LifecycleKind, ReconnectPolicy
from spotstream.asyncio.backoff import Verdict, classify
from spotstream.errors import (
    AuthenticationError,
    ConnectionClosedError,
    ConnectionRejectedError,
    InvalidCredentialsError,
)
from support.hostile import HostileServer, Refuse, Reply, Upgrade

FAST = ReconnectPolicy(initial=0.01, maximum=0.05)
BODY = b"<html>" + b"x" * 300 + b"</html>"  # longer than what the error keeps


@pytest.mark.parametrize("transport", ["picows", "websockets"])
@pytest.mark.parametrize("status", [401, 403, 404])
async def test_final_refusal_fails_requests_at_once_and_stops_dialling(
    transport: str, status: int
) -> None:
    release = asyncio.Event()

    def script(attempt: int) -> Reply:
        return Refuse(status, BODY, hold=release if attempt == 1 else None)

    async with (
        HostileServer(script) as server,
        KrakenSocketClient(
            url=server.url, transport=transport, reconnect=FAST, request_timeout=60
        ) as client,
    ):
        await server.wait_attempts(1)
        pending = [
            asyncio.ensure_future(client.spot.ping()),
            asyncio.ensure_future(client.spot.get_instruments()),
        ]
        await asyncio.sleep(0)  # both are waiting for the connection now
        release.set()
        for call in pending:
            with pytest.raises(ConnectionRejectedError) as caught:
                await call  # at once: long before the 60 s request timeout
            assert caught.value.status == status
            assert caught.value.body == BODY[:200]
            assert caught.value.url == server.url
        assert server.attempts == 1
        kinds = [e.kind for e in client.session.stats.lifecycle]
        assert LifecycleKind.CONNECT_REJECTED in kinds
        rejected = next(
            e for e in client.session.stats.lifecycle if e.kind is LifecycleKind.CONNECT_REJECTED
        )
        assert isinstance(rejected.error, ConnectionRejectedError)

        # The user calls again: exactly one more dial, refused again, raised at once.
        with pytest.raises(ConnectionRejectedError):
            await client.spot.ping()
        assert server.attempts == 2


@pytest.mark.parametrize("transport", ["picows", "websockets"])
async def test_a_call_after_a_refusal_reconnects_when_the_server_is_back(transport: str) -> None:
    def script(attempt: int) -> Reply:
        return Refuse(403, b"banned") if attempt == 1 else Upgrade()

    async with (
        HostileServer(script) as server,
        KrakenSocketClient(url=server.url, transport=transport, reconnect=FAST) as client,
    ):
        with pytest.raises(ConnectionRejectedError):
            await client.spot.ping()
        assert await client.spot.ping() >= 0
        assert server.attempts == 2


@pytest.mark.parametrize("transport", ["picows", "websockets"])
async def test_a_final_refusal_on_reconnect_ends_the_iterators_with_it(transport: str) -> None:
    def script(attempt: int) -> Reply:
        return Upgrade() if attempt == 1 else Refuse(403, b"banned")

    async with (
        HostileServer(script) as server,
        KrakenSocketClient(url=server.url, transport=transport, reconnect=FAST) as client,
    ):
        sub = await client.spot.ticker("BTC/USD")
        server.drop()
        with pytest.raises(ConnectionRejectedError) as caught:
            await anext(sub)
        assert caught.value.status == 403
        assert server.attempts == 2
        await sub.close()


@pytest.mark.parametrize("transport", ["picows", "websockets"])
@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried_with_backoff(transport: str, status: int) -> None:
    def script(attempt: int) -> Reply:
        return Refuse(status, b"try later") if attempt <= 3 else Upgrade()

    async with (
        HostileServer(script) as server,
        KrakenSocketClient(url=server.url, transport=transport, reconnect=FAST) as client,
    ):
        assert await client.spot.ping() >= 0  # waits through three refusals
        assert server.attempts == 4
        events = list(client.session.stats.lifecycle)
        retries = [e.attempt for e in events if e.kind is LifecycleKind.RECONNECTING]
        assert len(retries) == 3
        assert retries == sorted(retries)  # each one a further step of the backoff
        assert LifecycleKind.CONNECT_REJECTED not in [e.kind for e in events]


def test_classifier() -> None:
    url = "ws://h/v2"
    for status in (401, 403, 404):
        assert classify(ConnectionRejectedError(url, status)) is Verdict.FATAL
    for status in (400, 408, 426, 429, 500, 502, 503, 504):
        assert classify(ConnectionRejectedError(url, status)) is Verdict.RETRY
    assert classify(ConnectionClosedError("reset by peer")) is Verdict.RETRY
    assert classify(OSError("unreachable")) is Verdict.RETRY
    assert classify(TimeoutError()) is Verdict.RETRY
    assert classify(AuthenticationError("EAPI:Invalid key")) is Verdict.FATAL
    assert classify(InvalidCredentialsError("no key")) is Verdict.FATAL


def test_rejection_keeps_the_first_200_bytes_of_the_body() -> None:
    error = ConnectionRejectedError("ws://h/v2", 403, b"a" * 500)
    assert error.body == b"a" * 200
    assert "403" in str(error)
    assert isinstance(error, ConnectionClosedError)
