"""One port for websockets and HTTP/1.1: the front protocol, over real sockets."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets

from simulator.sim_client import connect
from spotstream.auth.kraken import Credentials, build_token_request
from spotstream.auth.kraken_rest import get_websockets_token
from spotstream.cli.sim import add_sim_arguments, run_sim
from spotstream.simulator import Simulator, server
from spotstream.simulator.http import HttpError, body_length, parse_head
from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from spotstream.simulator.msgrate import DEFAULT_MESSAGE_RATE, MessageRate
from spotstream.simulator.server import ENDPOINTS
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY
from support.wait import eventually

TIMEOUT = 10.0
_UPGRADE = (
    "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


class _Http:
    """A raw HTTP/1.1 client connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def send(self, data: bytes | str) -> None:
        self.writer.write(data.encode() if isinstance(data, str) else data)
        await self.writer.drain()

    async def response(self) -> tuple[int, dict[str, str], bytes]:
        """Read one response: status, headers (lower-case names), body."""
        async with asyncio.timeout(TIMEOUT):
            head = await self.reader.readuntil(b"\r\n\r\n")
            line, *lines = head.decode("latin-1").split("\r\n")
            headers = {
                name.strip().lower(): value.strip()
                for name, _, value in (h.partition(":") for h in lines if h)
            }
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return int(line.split()[1]), headers, body

    async def closed(self) -> bool:
        async with asyncio.timeout(TIMEOUT):
            return await self.reader.read() == b""

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=3, rate=200) as simulator:
        yield simulator


@pytest.fixture
async def http(sim: Simulator) -> AsyncIterator[_Http]:
    client = _Http(*await asyncio.open_connection("127.0.0.1", sim.port))
    yield client
    await client.close()


def _get(path: str, *headers: str, version: str = "1.1") -> str:
    extra = "".join(f"{h}\r\n" for h in headers)
    return f"GET {path} HTTP/{version}\r\nHost: 127.0.0.1\r\n{extra}\r\n"


def _token_post(nonce: int) -> bytes:
    credentials = Credentials(TEST_ACCOUNT.api_key, TEST_ACCOUNT.api_secret)
    path, headers, body = build_token_request(credentials, nonce)
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# --- HTTP -------------------------------------------------------------------------------------


async def test_keep_alive_serves_several_requests(http: _Http) -> None:
    for path in ("/0/public/Time", "/0/public/SystemStatus", "/0/public/Assets"):
        await http.send(_get(path))
        status, headers, body = await http.response()
        assert status == 200
        assert headers["connection"] == "keep-alive"
        assert headers["content-type"] == "application/json; charset=utf-8"
        assert json.loads(body)["error"] == []


async def test_pipelined_requests_are_answered_in_order(http: _Http) -> None:
    await http.send(_get("/0/public/Time") + _get("/nope") + _get("/0/public/AssetPairs"))
    statuses = [(await http.response())[0] for _ in range(3)]
    assert statuses == [200, 404, 200]


async def test_a_request_split_into_small_packets(sim: Simulator, http: _Http) -> None:
    request = _token_post(1_800_000_000_000)
    for start in range(0, len(request), 7):
        await http.send(request[start : start + 7])
    status, _, body = await http.response()
    assert status == 200
    token = json.loads(body)["result"]["token"]
    assert sim.credentials.authorize(token) == "test"


async def test_expect_100_continue(http: _Http) -> None:
    request = _token_post(1_800_000_000_001)
    head, _, body = request.partition(b"\r\n\r\n")
    await http.send(head + b"\r\nExpect: 100-continue\r\n\r\n")
    async with asyncio.timeout(TIMEOUT):
        interim = await http.reader.readuntil(b"\r\n\r\n")
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    await http.send(body)
    status, _, answer = await http.response()
    assert status == 200
    assert json.loads(answer)["result"]["expires"] == 900


@pytest.mark.parametrize(
    "request_text",
    [_get("/0/public/Time", "Connection: close"), _get("/0/public/Time", version="1.0")],
)
async def test_close_after_the_response(http: _Http, request_text: str) -> None:
    await http.send(request_text)
    status, headers, _ = await http.response()
    assert status == 200
    assert headers["connection"] == "close"
    assert await http.closed()


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /0/public/Time HTTP/2.0\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\nBad Header\r\n\r\n", 400),
        (b"POST /0/public/Time HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501),
        (b"POST /0/public/Time HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", 413),
        (b"POST /0/public/Time HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n", 431),
    ],
)
async def test_bad_requests_are_refused_and_closed(
    http: _Http, request_bytes: bytes, status: int
) -> None:
    await http.send(request_bytes)
    answer, headers, _ = await http.response()
    assert answer == status
    assert headers["connection"] == "close"
    assert await http.closed()


@pytest.mark.parametrize("path", ["/l3/v2", "/", "/v2/", "/auth", "/auth/"])
async def test_a_websocket_path_without_upgrade_is_426(http: _Http, path: str) -> None:
    await http.send(_get(path))
    status, headers, _ = await http.response()
    assert status == 426
    assert headers["upgrade"] == "websocket"


async def test_stop_closes_idle_http_connections() -> None:
    sim = Simulator(seed=1, rate=10)
    await sim.start()
    client = _Http(*await asyncio.open_connection("127.0.0.1", sim.port))
    await client.send(_get("/0/public/Time"))
    assert (await client.response())[0] == 200
    await sim.stop()
    assert await client.closed()
    assert not sim.http_connections
    await client.close()


# --- websockets on the same port --------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["public", "private", "l3"])
async def test_every_websocket_path_is_served(sim: Simulator, endpoint: str) -> None:
    client = await connect(sim.urls[endpoint])
    status = await client.recv()
    assert status["channel"] == "status"
    assert status["data"][0]["api_version"] == "v2"
    await client.send({"method": "ping", "req_id": 3})
    pong = await client.until(lambda m: m.get("method") == "pong")
    assert pong["req_id"] == 3
    await client.close()


async def test_upgrade_after_http_requests_on_one_connection(http: _Http) -> None:
    await http.send(_get("/0/public/Time"))
    assert (await http.response())[0] == 200
    await http.send(_UPGRADE.format(path="/v2"))
    async with asyncio.timeout(TIMEOUT):
        head = await http.reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101")
        first = await http.reader.readexactly(2)
        assert first[0] == 0x81  # a text frame: the status greeting
        size = first[1] & 0x7F
        if size == 126:
            size = int.from_bytes(await http.reader.readexactly(2), "big")
        greeting = await http.reader.readexactly(size)
    assert json.loads(greeting)["channel"] == "status"


async def test_plain_asyncio_transports_hand_over_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without aiofastnet the front runs on asyncio's own transports."""
    monkeypatch.setattr(server, "fast_create_server", None)
    async with Simulator(seed=2, rate=50) as sim:
        http = _Http(*await asyncio.open_connection("127.0.0.1", sim.port))
        await http.send(_get("/0/public/Time"))
        assert (await http.response())[0] == 200
        await http.close()
        client = await connect(sim.urls["public"])
        assert (await client.recv())["channel"] == "status"
        params = {"channel": "book", "symbol": ["BTC/USD"]}
        await client.send({"method": "subscribe", "params": params})
        update = await client.until(lambda m: m.get("type") == "update")
        assert update["channel"] == "book"
        await client.close()


async def test_unknown_websocket_path_is_404(sim: Simulator) -> None:
    with pytest.raises(websockets.InvalidStatus) as error:
        await websockets.connect(sim.urls["public"].replace("/v2", "/v3"))
    assert error.value.response.status_code == 404


async def test_drop_connections_by_endpoint(sim: Simulator) -> None:
    clients = {endpoint: await connect(sim.urls[endpoint]) for endpoint in ENDPOINTS.values()}
    for endpoint, client in clients.items():
        if endpoint.startswith("coinex_"):  # CoinEx greets no one: a ping's answer shows it is up
            params: object = {} if endpoint == "coinex_v2" else []
            await client.send({"method": "server.ping", "params": params, "id": 1})
            await client.ws.recv()
        else:
            await client.recv()
    for endpoint in set(ENDPOINTS.values()) - {"public"}:  # kraken_v1_public among them
        sim.drop_connections(endpoint=endpoint)
        await clients[endpoint].ws.wait_closed()
    await clients["public"].send({"method": "ping", "req_id": 1})
    pong = await clients["public"].until(lambda m: m.get("method") == "pong")
    assert pong["req_id"] == 1
    await eventually(lambda: {c.endpoint for c in sim.connections} == {"public"})
    sim.drop_connections()
    await clients["public"].ws.wait_closed()
    await eventually(lambda: not sim.connections)


# --- the sans-I/O parser ----------------------------------------------------------------------


def test_parse_head() -> None:
    request = parse_head(
        b"POST /0/private/X?a=1 HTTP/1.1\r\nHost: h\r\nAPI-Key: k\r\nX-A: 1\r\nx-a: 2"
    )
    assert (request.method, request.path, request.query) == ("POST", "/0/private/X", "a=1")
    assert request.headers == {"host": "h", "api-key": "k", "x-a": "1, 2"}
    assert request.keep_alive
    assert not request.is_websocket_upgrade


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GET / HTTP/1.1\r\n folded: value", 400),
        (b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2", 400),
        (b"get / HTTP/1.1", 400),
        (b"GET / HTTP/3.0", 505),
    ],
)
def test_parse_head_refuses(head: bytes, status: int) -> None:
    with pytest.raises(HttpError) as error:
        body_length(parse_head(head))
    assert error.value.status == status


# --- end to end: a token from REST opens the private endpoint ---------------------------------


async def test_token_from_rest_opens_private_channels(sim: Simulator) -> None:
    credentials = Credentials(TEST_ACCOUNT.api_key, TEST_ACCOUNT.api_secret)
    token = await get_websockets_token(credentials, base_url=sim.urls["rest"])
    assert token.expires == 900
    client = await connect(sim.urls["private"])
    await client.recv()  # status
    for req_id, channel in enumerate(("executions", "balances"), start=1):
        params = {"channel": channel, "token": token.token}
        (ack,) = await client.request({"method": "subscribe", "params": params, "req_id": req_id})
        assert ack["success"] is True, ack
        assert ack["result"]["channel"] == channel
    balances = await client.until(lambda m: m.get("channel") == "balances")
    assert balances["type"] == "snapshot"
    assert {b["asset"] for b in balances["data"]} >= {"USD", "BTC"}
    await client.close()


async def test_a_bad_token_is_refused_on_the_private_endpoint(sim: Simulator) -> None:
    client = await connect(sim.urls["private"])
    await client.recv()
    params = {"channel": "executions", "token": "not-a-token"}
    (answer,) = await client.request({"method": "subscribe", "params": params, "req_id": 9})
    assert answer["success"] is False
    assert answer["error"] == "EAPI:Invalid token"
    await client.close()


async def _sim_line(args: argparse.Namespace, capsys: pytest.CaptureFixture[str]) -> Any:
    """The JSON line ``run_sim`` prints (the simulator stops right after)."""
    task = asyncio.create_task(run_sim(args))
    out: list[str] = []

    def printed() -> bool:
        out.append(capsys.readouterr().out)
        return "\n" in "".join(out)

    await eventually(printed, what="the JSON line")
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return json.loads("".join(out))


async def test_cli_sim_with_tls_prints_the_certificate(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_sim_arguments(parser)
    args = parser.parse_args(["--seed", "2", "--rate", "50", "--tls"])
    line = await _sim_line(args, capsys)
    assert list(line)[:5] == ["urls", "seed", "rate", "api_key", "api_secret"]
    assert line["tls_cert"].endswith(".pem")
    assert line["urls"]["kraken_v1_public"].startswith("wss://127.0.0.1:")
    assert line["urls"]["rest"].startswith("http://127.0.0.1:")
    assert not await asyncio.to_thread(os.path.exists, line["tls_cert"])  # removed on stop


async def test_cli_sim_prints_every_url_and_the_test_account(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = argparse.Namespace(
        host="127.0.0.1", port=0, seed=2, rate="50", tls=False, msg_rate=DEFAULT_MESSAGE_RATE
    )
    line = await _sim_line(args, capsys)
    assert list(line["urls"]) == [
        "public",
        "private",
        "l3",
        "rest",
        "kraken_v1_public",
        "kraken_v1_private",
        "coinex_v2",
        "coinex_rest",
        "coinex_v1",
    ]
    assert list(line)[:7] == [
        "urls",
        "seed",
        "rate",
        "api_key",
        "api_secret",
        "coinex_access_id",
        "coinex_secret_key",
    ]
    assert line["urls"]["rest"].startswith("http://127.0.0.1:")
    assert line["urls"]["coinex_v2"].endswith("/coinex/v2/spot")
    assert line["urls"]["coinex_rest"] == line["urls"]["rest"] + "/coinex"
    assert line["coinex_access_id"] == COINEX_TEST_KEY.access_id
    assert line["coinex_secret_key"] == COINEX_TEST_KEY.secret_key
    assert line["api_key"] == TEST_ACCOUNT.api_key
    assert line["api_secret"] == TEST_ACCOUNT.api_secret
    assert "tls_cert" not in line


@pytest.mark.parametrize(
    ("flag", "limit"),
    [([], DEFAULT_MESSAGE_RATE), (["--msg-rate", "5/2"], MessageRate(5, 2))],
)
def test_cli_sim_msg_rate(flag: list[str], limit: MessageRate) -> None:
    parser = argparse.ArgumentParser()
    add_sim_arguments(parser)
    assert parser.parse_args(flag).msg_rate == limit


def test_cli_sim_msg_rate_off_and_refused(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_sim_arguments(parser)
    assert parser.parse_args(["--msg-rate", "off"]).msg_rate is None
    for bad in ("40", "0/1", "a/b"):
        with pytest.raises(SystemExit):
            parser.parse_args(["--msg-rate", bad])
    assert "--msg-rate" in capsys.readouterr().err
