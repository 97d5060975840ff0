"""What CoinEx v1 adds to an authenticated session: ``server.sign`` (MD5, spec B3) first on
every connect, the account feeds' names (``orders``, ``balances``; v1 has no trades feed:
fills come with the order updates), and their snapshots: the balances from the socket's
``asset.query``, the open orders of every market from REST v2 (v1's ``order.query`` needs a
market; REST v2 lists them all), so the session's reconciliation says what changed while the
feeds were down, as for v2."""

from __future__ import annotations

from typing import Any

from spotstream.asyncio.private_session import PrivateSession
from spotstream.coinex.account import CoinExAccountHooks
from spotstream.models.orders import Balance
from spotstream.protocol.coinex.v1.private import CoinExV1PrivateProtocol


class CoinExV1AccountHooks(CoinExAccountHooks):
    """A CoinEx v1 private connection (the rest as :class:`CoinExAccountHooks`)."""

    fills_channel = None

    async def authenticate(self, session: PrivateSession[Any]) -> None:
        protocol: CoinExV1PrivateProtocol = session.protocol
        done = await session.request(protocol.sign(self._credentials, self._clock_ms()))
        if done.errors:
            raise done.errors[0]

    async def _balances(self, session: PrivateSession[Any]) -> list[Balance]:
        """The balances snapshot: the socket's ``asset.query`` of every asset."""
        protocol: CoinExV1PrivateProtocol = session.protocol
        balances: list[Balance] = await session.ask(protocol.asset_query())
        return balances
