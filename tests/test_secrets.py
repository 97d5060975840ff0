"""No secret in a repr or a log (issue 11): the session token and the CoinEx signatures never
show in the reprs of the objects that carry them (what error reporters record of local
variables), nor in the websockets transport's DEBUG log of every frame."""

from __future__ import annotations

import logging

import pytest

from spotstream.auth.coinex import CoinExCredentials
from spotstream.kraken.client import KrakenSocketClient
from spotstream.protocol.coinex.sign import v1_signature, ws_signature
from spotstream.protocol.coinex.v1.private import CoinExV1PrivateProtocol
from spotstream.protocol.coinex.v1.wire import Request as V1Request
from spotstream.protocol.coinex.v2.private import CoinExV2PrivateProtocol
from spotstream.protocol.coinex.v2.wire import Request as V2Request
from spotstream.protocol.kraken.v1.trading_wire import AddOrderRequest
from spotstream.protocol.kraken.v1.wire import Subscription
from spotstream.protocol.kraken.v2.private import KrakenV2PrivateProtocol
from spotstream.protocol.kraken.v2.wire import SubscribeParams
from spotstream.protocol.redact import MARK, redact_text
from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from spotstream.simulator.server import Simulator

TOKEN = "WW91ciBzZWNyZXQgdG9rZW4gaXMgc2FmZQ"
CREDENTIALS = CoinExCredentials("4DA36FFC61334695A66F8D29020EB589", "B51068CF10B3" * 4)


def test_request_structs_hide_the_token() -> None:
    subscribe = SubscribeParams(channel="executions", token=TOKEN)
    add = AddOrderRequest(token=TOKEN, ordertype="limit", type="buy", pair="XBT/USD", volume="1")
    for value in (subscribe, add, Subscription(name="ownTrades", token=TOKEN)):
        assert TOKEN not in repr(value)
        assert TOKEN not in str(value)
        assert MARK in repr(value)
    assert "channel='executions'" in repr(subscribe)  # the rest stays readable


def test_outgoing_frames_show_their_size_only() -> None:
    protocol = KrakenV2PrivateProtocol()
    protocol.token = TOKEN
    out = protocol.subscribe("executions")
    assert TOKEN.encode() in out.frame
    assert TOKEN not in repr(out)
    assert f"<{len(out.frame)} bytes>" in repr(out)


def test_coinex_signatures_are_hidden() -> None:
    v2 = CoinExV2PrivateProtocol().sign(CREDENTIALS, 1_700_000_000_000)
    v1 = CoinExV1PrivateProtocol().sign(CREDENTIALS, 1_700_000_000_000)
    for out in (v1, v2):
        assert CREDENTIALS.secret_key not in repr(out)
    v2_signature = ws_signature(CREDENTIALS.secret_key, 1)
    v1_sig = v1_signature(CREDENTIALS.access_id, CREDENTIALS.secret_key, 1)
    v2_request = V2Request("server.sign", {"signed_str": v2_signature, "timestamp": 1}, 1)
    v1_request = V1Request("server.sign", [CREDENTIALS.access_id, v1_sig, 1], 2)
    assert v2_signature not in repr(v2_request)
    assert v1_sig not in repr(v1_request)
    assert v1_sig not in redact_text(v1.frame.decode())
    assert ws_signature(CREDENTIALS.secret_key, 1_700_000_000_000) not in redact_text(
        v2.frame.decode()
    )


async def test_the_websockets_debug_log_never_shows_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="spotstream.transport.websockets")
    async with (
        Simulator(seed=3, rate=100) as sim,
        KrakenSocketClient(
            url=sim.urls["public"],
            private_url=sim.urls["private"],
            rest_url=sim.urls["rest"],
            api_key=TEST_ACCOUNT.api_key,
            api_secret=TEST_ACCOUNT.api_secret,
            transport="websockets",
            request_timeout=5,
        ) as client,
    ):
        sub = await client.spot.executions()  # subscribed: the token went out
        token = client.private_session.protocol.token
        await sub.close()
    assert token
    sent = [r.getMessage() for r in caplog.records if r.getMessage().startswith("> TEXT")]
    assert sent  # websockets logged the frames it sent
    assert all(MARK in line for line in sent)
    assert token not in caplog.text
    assert token[-8:] not in caplog.text  # not even the tail a cut-short frame would show
