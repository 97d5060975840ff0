"""StreamRegistry.settle: how the answers to a subscribe settle each wanted stream."""

from __future__ import annotations

from typing import Any

import pytest

from spotstream.asyncio.streams import StreamRegistry
from spotstream.asyncio.subscription import Subscription
from spotstream.errors import ExchangeError, NoAcknowledgementError, ProtocolError


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
