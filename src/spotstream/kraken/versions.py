"""What differs between Kraken WebSocket v2 and v1, in one place.

The client, its sessions and its streams are the same for both versions; a
:class:`KrakenApi` supplies what is not: the endpoints, the protocol objects, the venue hooks
and the private channel names. ``kraken_api(1)`` or ``kraken_api(2)`` picks one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal, Protocol

from spotstream.asyncio.private_session import AccountHooks, PrivateSession
from spotstream.asyncio.session import Session
from spotstream.kraken.hooks import KrakenV2AccountHooks, KrakenV2PublicHooks, TokenSource
from spotstream.kraken.hooks_v1 import KrakenV1AccountHooks, KrakenV1PublicHooks
from spotstream.protocol.instruments import InstrumentCache
from spotstream.protocol.kraken.symbols import to_v2
from spotstream.protocol.kraken.v1.private import (
    PRIVATE_CHANNELS as V1_PRIVATE_CHANNELS,
)
from spotstream.protocol.kraken.v1.private import KrakenV1PrivateProtocol
from spotstream.protocol.kraken.v1.public import KrakenV1Protocol
from spotstream.protocol.kraken.v2.private import (
    PRIVATE_CHANNELS as V2_PRIVATE_CHANNELS,
)
from spotstream.protocol.kraken.v2.private import AuthEndpoint, KrakenV2PrivateProtocol
from spotstream.protocol.kraken.v2.public import KrakenV2Protocol

ApiVersion = Literal[1, 2]

KRAKEN_REST_URL = "https://api.kraken.com"
KRAKEN_V2_PUBLIC_URL = "wss://ws.kraken.com/v2"
KRAKEN_V2_BETA_URL = "wss://beta-ws.kraken.com/v2"
KRAKEN_V2_PRIVATE_URL = "wss://ws-auth.kraken.com/v2"
KRAKEN_V2_L3_URL = "wss://ws-l3.kraken.com/v2"
KRAKEN_V1_PUBLIC_URL = "wss://ws.kraken.com"
KRAKEN_V1_BETA_URL = "wss://beta-ws.kraken.com"
KRAKEN_V1_PRIVATE_URL = "wss://ws-auth.kraken.com"
KRAKEN_V1_BETA_PRIVATE_URL = "wss://beta-ws-auth.kraken.com"

PublicProtocol = KrakenV2Protocol | KrakenV1Protocol
AccountProtocol = KrakenV2PrivateProtocol | KrakenV1PrivateProtocol
PublicSession = Session[PublicProtocol]
AccountSession = PrivateSession[AccountProtocol]
PublicHooks = KrakenV2PublicHooks | KrakenV1PublicHooks


class KrakenApi(Protocol):
    """One Kraken WebSocket version, as the client needs it."""

    version: ApiVersion
    public_url: str
    private_url: str
    l3_url: str | None
    private_channels: frozenset[str]

    def canonical(self, symbol: str) -> str:
        """The spelling a symbol is known by here (events carry it)."""
        ...

    def public_protocol(self) -> PublicProtocol: ...

    def public_hooks(self, rest_url: str, timeout: float) -> PublicHooks: ...

    def account_protocol(
        self, endpoint: AuthEndpoint, instruments: InstrumentCache
    ) -> AccountProtocol: ...

    def account_hooks(
        self,
        endpoint: AuthEndpoint,
        token: TokenSource,
        public_instruments: Callable[[], Awaitable[None]],
    ) -> AccountHooks: ...


class KrakenV2Api:
    """WebSocket v2: precisions from the ``instrument`` channel; a level-3 endpoint."""

    version: ApiVersion = 2
    public_url = KRAKEN_V2_PUBLIC_URL
    private_url = KRAKEN_V2_PRIVATE_URL
    l3_url: str | None = KRAKEN_V2_L3_URL
    private_channels = frozenset(V2_PRIVATE_CHANNELS)

    def canonical(self, symbol: str) -> str:
        return symbol

    def public_protocol(self) -> KrakenV2Protocol:
        return KrakenV2Protocol()

    def public_hooks(self, rest_url: str, timeout: float) -> KrakenV2PublicHooks:
        return KrakenV2PublicHooks()

    def account_protocol(
        self, endpoint: AuthEndpoint, instruments: InstrumentCache
    ) -> KrakenV2PrivateProtocol:
        return KrakenV2PrivateProtocol(endpoint, instruments)

    def account_hooks(
        self,
        endpoint: AuthEndpoint,
        token: TokenSource,
        public_instruments: Callable[[], Awaitable[None]],
    ) -> KrakenV2AccountHooks:
        return KrakenV2AccountHooks(endpoint, token, public_instruments)


class KrakenV1Api:
    """WebSocket v1 (1.9): precisions from REST ``AssetPairs``; no level-3 endpoint."""

    version: ApiVersion = 1
    public_url = KRAKEN_V1_PUBLIC_URL
    private_url = KRAKEN_V1_PRIVATE_URL
    l3_url: str | None = None
    private_channels = frozenset(V1_PRIVATE_CHANNELS)

    def canonical(self, symbol: str) -> str:
        return to_v2(symbol)  # users may pass v1's XBT/USD; books and events use BTC/USD

    def public_protocol(self) -> KrakenV1Protocol:
        return KrakenV1Protocol()

    def public_hooks(self, rest_url: str, timeout: float) -> KrakenV1PublicHooks:
        return KrakenV1PublicHooks(rest_url, timeout)

    def account_protocol(
        self, endpoint: AuthEndpoint, instruments: InstrumentCache
    ) -> KrakenV1PrivateProtocol:
        return KrakenV1PrivateProtocol(instruments)

    def account_hooks(
        self,
        endpoint: AuthEndpoint,
        token: TokenSource,
        public_instruments: Callable[[], Awaitable[None]],
    ) -> KrakenV1AccountHooks:
        return KrakenV1AccountHooks(token)


def kraken_api(version: int) -> KrakenApi:
    """The :class:`KrakenApi` of WebSocket ``version`` (1 or 2)."""
    if version == 2:
        return KrakenV2Api()
    if version == 1:
        return KrakenV1Api()
    raise ValueError(f"api_version must be 1 or 2, not {version!r}")
