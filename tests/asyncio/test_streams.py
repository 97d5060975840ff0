"""StreamRegistry.settle: how the answers to a subscribe settle each wanted stream."""

from __future__ import annotations

from typing import Any

import pytest

from spotstream.asyncio.streams import StreamRegistry
from spotstream.asyncio.subscription import Subscription
from spotstream.errors import (
    ExchangeError,
    NoAcknowledgementError,
    ProtocolError,
    SubscriptionError,
)


async def _closer(_sub: Subscription[Any]) -> None:
    return None


def _subscription(channel: str, symbols: list[str]) -> Subscription[Any]:
    return Subscription(channel, symbols, _closer, lambda coro: coro.close())


@pytest.mark.parametrize("acked", [[], ["ETH/USD"]], ids=["no answers", "another symbol"])
async def test_a_symbol_nobody_answered_is_a_local_protocol_error(acked: list[str]) -> None:
    """Made up locally (the exchange sent no refusal), so not an ExchangeError."""
    registry = StreamRegistry(lambda channel, symbol, _options: (channel, symbol, None))
    _, new = registry.add(_subscription("ticker", ["BTC/USD"]), {})
    (want,) = new

    class Ack:
        def __init__(self, symbol: str) -> None:
            self.symbol = symbol

    registry.settle(new, [Ack(s) for s in acked], [])
    error = want.ready.exception()
    assert isinstance(error, NoAcknowledgementError)
    assert isinstance(error, ProtocolError)
    assert not isinstance(error, ExchangeError)
    assert "ticker BTC/USD" in str(error)
    assert "rejected" not in str(error)


class _Ack:
    def __init__(self, symbol: str) -> None:
        self.symbol = symbol


async def test_a_stream_refused_after_a_reconnect_ends_its_subscribers() -> None:
    """Established once, refused when restored: its subscribers end with the refusal."""
    registry = StreamRegistry(lambda channel, symbol, _options: (channel, symbol, None))
    sub = _subscription("ticker", ["BTC/USD"])
    _, new = registry.add(sub, {})
    registry.settle(new, [_Ack("BTC/USD")], [])
    registry.connection_lost()
    refusal = SubscriptionError("Currency pair not supported", symbol="BTC/USD")
    registry.settle(list(registry.wants.values()), [], [refusal])
    assert not registry.wants
    with pytest.raises(SubscriptionError, match="not supported"):
        await anext(aiter(sub))


async def test_a_first_subscribe_refused_only_fails_the_waiting_open() -> None:
    registry = StreamRegistry(lambda channel, symbol, _options: (channel, symbol, None))
    _, new = registry.add(_subscription("ticker", ["BTC/USD"]), {})
    refusal = SubscriptionError("Currency pair not supported", symbol="BTC/USD")
    registry.settle(new, [], [refusal])
    assert new[0].ready.exception() is refusal
    assert not new[0].established
