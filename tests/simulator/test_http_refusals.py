"""The simulator's REST under hostile clients (issue 11): every request it refuses gets an HTTP
error status the client actually reads, then an orderly end (FIN, never a reset), however
much the client still sends: the server lingers, reading and discarding, before closing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from spotstream.simulator import Simulator, http

TIMEOUT = 10.0
BIG = b"x" * (2 * http.MAX_BODY)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=3, rate=200) as simulator:
        yield simulator


async def _refused(sim: Simulator, head: bytes, then: bytes = b"") -> tuple[int, bytes]:
    """Send ``head`` and ``then`` (while reading), return the status and what followed it up
    to the server's end of stream (a reset raises)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)

    async def send() -> None:
        writer.write(head + then)
        await writer.drain()

    sending = asyncio.create_task(send())
    async with asyncio.timeout(TIMEOUT):
        line = await reader.readline()
        await sending  # everything sent: the server kept reading
        writer.write_eof()
        rest = await reader.read()  # b"" at the end: the server closed after its answer
    writer.close()
    assert line.startswith(b"HTTP/1.1 "), line
    return int(line.split()[1]), rest


async def test_an_oversized_body_is_413_while_it_is_still_being_sent(sim: Simulator) -> None:
    head = b"POST /0/public/Time HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(BIG)
    status, rest = await _refused(sim, head, BIG)
    assert status == 413
    assert b"Connection: close" in rest


async def test_an_oversized_header_is_431_while_it_is_still_being_sent(sim: Simulator) -> None:
    head = b"GET /0/public/Time HTTP/1.1\r\nX-Big: "
    status, _ = await _refused(sim, head, b"a" * (4 * http.MAX_HEAD))
    assert status == 431


async def test_an_unsupported_version_is_505_with_a_body_behind_it(sim: Simulator) -> None:
    status, _ = await _refused(sim, b"POST /0/public/Time HTTP/2.0\r\n\r\n", BIG)
    assert status == 505


async def test_a_malformed_content_length_is_400_with_a_body_behind_it(sim: Simulator) -> None:
    head = b"POST /0/public/Time HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n"
    status, _ = await _refused(sim, head, BIG)
    assert status == 400


async def test_a_body_longer_than_its_content_length_is_a_bad_next_request(
    sim: Simulator,
) -> None:
    head = b"POST /0/public/Time HTTP/1.1\r\nContent-Length: 2\r\n\r\n"
    status, rest = await _refused(sim, head, b"{}" + b"garbage\r\n\r\n" + BIG)
    assert status == 200  # the request as announced
    assert b"HTTP/1.1 400 Bad Request" in rest  # then what follows it, refused


async def test_a_body_shorter_than_its_content_length_times_out_as_408(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "IDLE_TIMEOUT", 0.2)
    head = b"POST /0/public/Time HTTP/1.1\r\nContent-Length: 100\r\n\r\n"
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    writer.write(head + b"{}")  # 98 bytes short, and no end of stream: it waits
    async with asyncio.timeout(TIMEOUT):
        line = await reader.readline()
        writer.write_eof()
        await reader.read()
    writer.close()
    assert line.startswith(b"HTTP/1.1 408")


async def test_a_client_that_never_stops_sending_is_cut_after_the_linger_bound(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "LINGER_BYTES", 1 << 16)
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    writer.write(b"GET / HTTP/3.0\r\n\r\n")
    async with asyncio.timeout(TIMEOUT):
        line = await reader.readline()
        assert line.startswith(b"HTTP/1.1 505")
        with pytest.raises(ConnectionError):  # the server gives up on it eventually
            await _flood(writer)
    writer.close()


async def _flood(writer: asyncio.StreamWriter) -> None:
    while True:
        writer.write(b"x" * 65536)
        await writer.drain()
