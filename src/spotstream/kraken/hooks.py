"""What Kraken v2 adds to the generic sessions: the instrument channel and the session token.

- Books need each pair's precisions, which Kraken publishes on the ``instrument`` channel:
  :class:`KrakenV2PublicHooks` keeps it subscribed before the first ``book`` subscribe and
  again after every reconnect (a new snapshot may change precisions).
- Authenticated endpoints need a token from REST ``GetWebSocketsToken``:
  :class:`KrakenV2AccountHooks` fetches a fresh one before anything is (re)subscribed and
  names the account feeds (``executions``, ``balances``) for reconciliation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from spotstream.asyncio.private_session import AccountHooks, PrivateSession
from spotstream.asyncio.session import Session, SessionHooks
from spotstream.errors import RequestTimeoutError
from spotstream.protocol.events import ChannelData
from spotstream.protocol.kraken.streams import stream_key
from spotstream.protocol.kraken.v2.private import KrakenV2PrivateProtocol
from spotstream.protocol.kraken.v2.public import KrakenV2Protocol

TokenSource = Callable[[], Awaitable[str]]

INSTRUMENT = "instrument"

# What the session always asks for, so that it can reconcile after any interruption; what
# each subscriber asked for decides what it is given (see ``select_*``).
SNAPSHOT_OPTIONS: dict[str, dict[str, bool]] = {
    "executions": {"snap_orders": True, "snap_trades": True},
    "balances": {"snapshot": True},
    "ownTrades": {"snapshot": True},  # v1 (its openOrders always starts with a snapshot)
}


class KrakenV2PublicHooks(SessionHooks):
    """The public connection: instrument data before books, and after every reconnect."""

    book_channels = frozenset({"book"})

    def __init__(self) -> None:
        self.instruments_loaded = asyncio.Event()

    async def on_open(self, session: Session[Any], reconnect: bool) -> None:
        if self.instruments_loaded.is_set():
            await self.ensure_instruments(session, force=True)

    async def before_subscribe(self, session: Session[Any], channel: str) -> None:
        if channel == "book":
            await self.ensure_instruments(session)

    def on_data(self, session: Session[Any], event: ChannelData[Any]) -> None:
        if event.key[0] == INSTRUMENT:
            self.instruments_loaded.set()

    async def ensure_instruments(self, session: Session[Any], force: bool = False) -> None:
        """Keep the instrument channel subscribed (books need each pair's precisions)."""
        protocol: KrakenV2Protocol = session.protocol
        if self.instruments_loaded.is_set() and not force:
            return
        if stream_key(INSTRUMENT, "") in protocol.streams:
            return
        done = await session.request(protocol.subscribe(INSTRUMENT))
        if done.errors:
            raise done.errors[0]
        try:
            async with asyncio.timeout(session.request_timeout):
                await self.instruments_loaded.wait()
        except TimeoutError:
            raise RequestTimeoutError("no instrument snapshot") from None


class KrakenV2AccountHooks(AccountHooks):
    """An authenticated connection (``private``: executions, balances, trading; ``l3``:
    level-3 books, whose precisions come from the public connection's instruments)."""

    def __init__(
        self,
        endpoint: str,
        token: TokenSource,
        public_instruments: Callable[[], Awaitable[None]],
    ) -> None:
        self._token = token
        self._public_instruments = public_instruments
        if endpoint == "private":
            self.orders_channel = "executions"
            self.balances_channel = "balances"
        else:
            self.book_channels = frozenset({"level3"})

    async def authenticate(self, session: PrivateSession[Any]) -> None:
        protocol: KrakenV2PrivateProtocol = session.protocol
        protocol.token = await self._token()

    def on_close(self, session: PrivateSession[Any]) -> None:
        protocol: KrakenV2PrivateProtocol = session.protocol
        protocol.token = None

    async def before_subscribe(self, session: Session[Any], channel: str) -> None:
        if channel in self.book_channels:
            await self._public_instruments()
