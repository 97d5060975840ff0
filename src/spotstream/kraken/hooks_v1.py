"""What Kraken WebSocket v1 adds to the generic sessions: REST pair data and the token.

- v1 has no instrument channel: the pairs (``get_instruments()``, trading's precision
  checks) come from REST ``AssetPairs``, loaded before the first ``book`` subscribe and
  refreshed on every reconnect (:class:`KrakenV1PublicHooks`). A load that fails keeps the
  cached pairs (logged): a REST hiccup never stops market data, since each v1 book takes its
  precisions from its snapshot's fixed-width numbers (for most live pairs wider than
  ``AssetPairs``' ``pair_decimals``).
- The authenticated endpoint needs a token from REST ``GetWebSocketsToken``, fetched fresh
  before anything is (re)subscribed; its account feeds are ``openOrders`` (orders) and
  ``ownTrades`` (fills, a feed of their own on v1) (:class:`KrakenV1AccountHooks`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from spotstream.asyncio.private_session import AccountHooks, PrivateSession
from spotstream.asyncio.session import Session, SessionHooks
from spotstream.auth.kraken_rest import get_asset_pairs
from spotstream.errors import SpotstreamError
from spotstream.kraken.hooks import TokenSource
from spotstream.protocol.kraken.v1.private import KrakenV1PrivateProtocol
from spotstream.protocol.kraken.v1.public import KrakenV1Protocol

log = logging.getLogger("spotstream.kraken")


class KrakenV1PublicHooks(SessionHooks):
    """The public connection: pair precisions from REST before books, and on reconnect."""

    book_channels = frozenset({"book"})

    def __init__(self, rest_url: str, timeout: float) -> None:
        self._rest_url = rest_url
        self._timeout = timeout
        self._lock = asyncio.Lock()
        self.loaded = False

    async def on_open(self, session: Session[Any], reconnect: bool) -> None:
        if not (reconnect and self.loaded):
            return
        try:
            await self.ensure_instruments(session, force=True)
        except (SpotstreamError, OSError) as exc:
            log.warning("AssetPairs refresh failed (%s); keeping the cached pairs", exc)

    async def before_subscribe(self, session: Session[Any], channel: str) -> None:
        if channel != "book" or self.loaded:
            return
        try:
            await self.ensure_instruments(session)
        except (SpotstreamError, OSError) as exc:  # books take their widths from the wire
            log.warning("AssetPairs could not be loaded (%s); books go on without it", exc)

    async def ensure_instruments(self, session: Session[Any], force: bool = False) -> None:
        """Load the pairs from REST ``AssetPairs`` (once, or again with ``force``)."""
        protocol: KrakenV1Protocol = session.protocol
        async with self._lock:
            if self.loaded and not force:
                return
            pairs = await get_asset_pairs(base_url=self._rest_url, timeout=self._timeout)
            protocol.instruments.update(pairs, [], replace=True)
            self.loaded = True


class KrakenV1AccountHooks(AccountHooks):
    """The authenticated connection: ``openOrders``, ``ownTrades`` and trading."""

    orders_channel = "openOrders"
    fills_channel = "ownTrades"

    def __init__(self, token: TokenSource) -> None:
        self._token = token

    async def authenticate(self, session: PrivateSession[Any]) -> None:
        protocol: KrakenV1PrivateProtocol = session.protocol
        protocol.token = await self._token()

    def on_close(self, session: PrivateSession[Any]) -> None:
        protocol: KrakenV1PrivateProtocol = session.protocol
        protocol.token = None
