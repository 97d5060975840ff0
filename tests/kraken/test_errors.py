"""Typed refusals and unknown outcomes, end to end: client, simulator and Kraken's table."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import msgspec
import pytest

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.auth.kraken import Credentials
from spotstream.auth.kraken_rest import get_websockets_token
from spotstream.errors import (
    AuthenticationError,
    ExchangeError,
    InsufficientFundsError,
    OrderNotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RequestError,
    SubscriptionError,
    UnknownPairError,
    UnknownSymbolError,
    UnreadableResultError,
)
from spotstream.kraken.client import KrakenSocketClient
from spotstream.protocol.kraken.errors import kraken_refusal
from spotstream.protocol.kraken.v2 import trading_wire as tw
from spotstream.simulator.matching.accounts import READ_ONLY_ACCOUNT, TEST_ACCOUNT
from spotstream.simulator.server import Simulator


def _client(sim: Simulator, key: str, secret: str) -> KrakenSocketClient:
    return KrakenSocketClient(
        url=sim.urls["public"],
        private_url=sim.urls["private"],
        rest_url=sim.urls["rest"],
        api_key=key,
        api_secret=secret,
        request_timeout=5,
    )


@pytest.fixture
async def trader(sim: Simulator) -> AsyncIterator[KrakenSocketClient]:
    async with _client(sim, TEST_ACCOUNT.api_key, TEST_ACCOUNT.api_secret) as client:
        yield client


async def test_an_unknown_pair_is_typed_and_still_a_subscription_error(
    client: KrakenSocketClient,
) -> None:
    with pytest.raises(UnknownPairError) as info:
        await client.spot.ticker(["XBT/USD"])
    assert isinstance(info.value, SubscriptionError)
    assert isinstance(info.value, UnknownSymbolError)
    assert (info.value.text, info.value.symbol) == (
        "Currency pair not supported XBT/USD",
        "XBT/USD",
    )


async def test_refusals_are_typed_by_reason(trader: KrakenSocketClient) -> None:
    with pytest.raises(InsufficientFundsError) as funds:
        await trader.spot.add_order("BTC/USD", "buy", "market", Decimal("1000000"))
    assert isinstance(funds.value, RequestError)
    assert (funds.value.text, funds.value.category) == ("EOrder:Insufficient funds", "EOrder")
    with pytest.raises(OrderNotFoundError) as gone:
        await trader.spot.cancel_order("OUNKNO-WN000-000000")
    assert gone.value.text == "EOrder:Unknown order"


async def test_a_key_without_permission_is_permission_denied(sim: Simulator) -> None:
    async with _client(sim, READ_ONLY_ACCOUNT.api_key, READ_ONLY_ACCOUNT.api_secret) as client:
        with pytest.raises(PermissionDeniedError) as info:
            await client.spot.balances()
    assert isinstance(info.value, AuthenticationError)  # the token request was refused
    assert info.value.text == "EGeneral:Permission denied"


async def test_an_unreadable_cancel_answer_is_raised_as_outcome_unknown(
    trader: KrakenSocketClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simulator's answer is fine; the client is made unable to read it."""
    placed = await trader.spot.add_order(
        "BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=Decimal("1000.0")
    )
    unreadable = msgspec.json.Decoder(list[int])
    monkeypatch.setitem(tw.RESULT_DECODERS, "cancel_order", unreadable)
    with pytest.raises(UnreadableResultError) as info:
        await trader.spot.cancel_order(placed.order_id)
    assert isinstance(info.value, OutcomeUnknownError)
    assert not isinstance(info.value, ExchangeError)
    # it had taken effect: the order is gone, and a second cancel is refused as such
    (outcome,) = await trader.spot.cancel_orders([placed.order_id])
    assert isinstance(outcome, OrderNotFoundError)


@pytest.mark.parametrize("text", ["EAPI:Rate limit exceeded", "EService:Unavailable"])
async def test_a_token_request_refused_for_now_is_retried(sim: Simulator, text: str) -> None:
    """Throttled or unavailable heals: the client reconnects under its backoff and gets in;
    only a refusal of the keys themselves is final."""
    credentials = Credentials(TEST_ACCOUNT.api_key, TEST_ACCOUNT.api_secret)
    attempts = 0

    async def token() -> str:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise kraken_refusal([text], AuthenticationError, method="GetWebSocketsToken")
        return (await get_websockets_token(credentials, base_url=sim.urls["rest"])).token

    async with (
        KrakenSocketClient(
            url=sim.urls["public"],
            private_url=sim.urls["private"],
            token_source=token,
            reconnect=ReconnectPolicy(initial=0.01, maximum=0.2),
            request_timeout=5,
        ) as client,
        client.spot.balances() as balances,
    ):
        first = await anext(aiter(balances))
    assert attempts == 2
    assert first.data is not None
