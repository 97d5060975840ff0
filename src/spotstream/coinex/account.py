"""What CoinEx adds to an authenticated session (:class:`AccountHooks`): ``server.sign``
first on every connect, the account feeds' names, and their snapshots from REST.

CoinEx's private feeds (socket API v2) carry no snapshot and no sequence number, so after
every (re)connect, and after a lost push, the account state is fetched over REST v2, the
open spot orders and the spot balances, and fed to the session as the feeds' snapshots:
the session's reconciliation then says what changed while the feeds were down, as it does
for Kraken. CoinEx's trades feed (``user_trades``) has no snapshot: trades missed while it
was down show in the orders' reconciliation (their filled amounts), not as fills.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from spotstream.asyncio.private_session import AccountHooks, PrivateSession
from spotstream.auth import coinex_rest
from spotstream.auth.coinex import CoinExCredentials
from spotstream.auth.coinex_rest import DEFAULT_URL, MillisClock, wall_clock_ms
from spotstream.models.enums import EventKind
from spotstream.models.orders import Balance, OrderUpdate
from spotstream.protocol.coinex.v2.private import CoinExV2PrivateProtocol
from spotstream.protocol.events import ChannelData

ORDERS, FILLS, BALANCES = "orders", "user_trades", "balances"


class AccountSource(Protocol):
    """Where the account's state is read from when the feeds cannot tell it."""

    async def open_orders(self) -> list[OrderUpdate]: ...

    async def balances(self) -> list[Balance]: ...


class CoinExAccountRest:
    """The account's state over REST v2 (the spot account: open orders, balances)."""

    def __init__(
        self,
        credentials: CoinExCredentials,
        rest_url: str = DEFAULT_URL,
        timeout: float = 10.0,
        clock_ms: MillisClock = wall_clock_ms,
    ) -> None:
        self._credentials = credentials
        self._url = rest_url
        self._timeout = timeout
        self._clock_ms = clock_ms

    async def open_orders(self) -> list[OrderUpdate]:
        return await coinex_rest.get_pending_orders(
            self._credentials, self._url, timeout=self._timeout, clock=self._clock_ms
        )

    async def balances(self) -> list[Balance]:
        return await coinex_rest.get_balances(
            self._credentials, self._url, timeout=self._timeout, clock=self._clock_ms
        )


class CoinExAccountHooks(AccountHooks):
    """A CoinEx v2 private connection: signed with ``credentials`` at ``clock_ms()`` (epoch
    ms) on every connect; its account feeds reconciled from ``rest`` (default: REST v2 at
    ``rest_url`` with ``timeout`` per request)."""

    orders_channel = ORDERS
    fills_channel: str | None = FILLS
    balances_channel = BALANCES

    def __init__(
        self,
        credentials: CoinExCredentials,
        rest_url: str = DEFAULT_URL,
        timeout: float = 10.0,
        *,
        clock_ms: MillisClock = wall_clock_ms,
        rest: AccountSource | None = None,
    ) -> None:
        self._credentials = credentials
        self._clock_ms = clock_ms
        self.rest: AccountSource = rest or CoinExAccountRest(
            credentials, rest_url, timeout, clock_ms
        )

    async def authenticate(self, session: PrivateSession[Any]) -> None:
        """``server.sign``; raises CoinEx's refusal (21002: an
        :class:`~spotstream.errors.AuthenticationError`, not retried)."""
        protocol: CoinExV2PrivateProtocol = session.protocol
        done = await session.request(protocol.sign(self._credentials, self._clock_ms()))
        if done.errors:
            raise done.errors[0]

    async def snapshots(
        self, session: PrivateSession[Any], channels: Sequence[str]
    ) -> list[ChannelData[Any]]:
        """The open orders and the balances from REST, as the feeds' snapshots."""
        events: list[ChannelData[Any]] = []
        if ORDERS in channels:
            orders: list[object] = list(await self.rest.open_orders())
            events.append(ChannelData((ORDERS, "", None), EventKind.SNAPSHOT, orders, b""))
        if BALANCES in channels:
            balances: list[object] = list(await self._balances(session))
            events.append(ChannelData((BALANCES, "", None), EventKind.SNAPSHOT, balances, b""))
        return events

    async def _balances(self, session: PrivateSession[Any]) -> list[Balance]:
        """The balances snapshot (REST v2's)."""
        return await self.rest.balances()
