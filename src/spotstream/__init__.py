"""spotstream: exact, fast asyncio clients for exchange spot websocket streams.

Start with :class:`KrakenSocketClient`; every model and error is importable from here.
"""

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.order_book import BookUpdate, OrderBook
from spotstream.asyncio.subscription import Subscription, UpdateSubscription
from spotstream.errors import (
    AuthenticationError,
    ClientClosedError,
    ConnectionClosedError,
    DecodeError,
    ExchangeError,
    InvalidCredentialsError,
    InvalidRequestError,
    OutcomeUnknownError,
    ProtocolError,
    RequestError,
    RequestTimeoutError,
    SpotstreamError,
    SubscriptionError,
    UnknownSymbolError,
)
from spotstream.kraken import (
    KRAKEN_V2_BETA_URL,
    KRAKEN_V2_PUBLIC_URL,
    KrakenSocketClient,
    KrakenSpotStreams,
)
from spotstream.models import (
    Asset,
    BookCounters,
    BookLevel,
    BookSnapshot,
    BookStatus,
    DataEvent,
    EventKind,
    Instrument,
    Kline,
    LifecycleEvent,
    LifecycleKind,
    OrderSide,
    SystemState,
    SystemStatus,
    Ticker,
    Trade,
)

__version__ = "0.1.0"

__all__ = [
    "KRAKEN_V2_BETA_URL",
    "KRAKEN_V2_PUBLIC_URL",
    "Asset",
    "AuthenticationError",
    "BookCounters",
    "BookLevel",
    "BookSnapshot",
    "BookStatus",
    "BookUpdate",
    "ClientClosedError",
    "ConnectionClosedError",
    "DataEvent",
    "DecodeError",
    "EventKind",
    "ExchangeError",
    "Instrument",
    "InvalidCredentialsError",
    "InvalidRequestError",
    "Kline",
    "KrakenSocketClient",
    "KrakenSpotStreams",
    "LifecycleEvent",
    "LifecycleKind",
    "OrderBook",
    "OrderSide",
    "OutcomeUnknownError",
    "ProtocolError",
    "ReconnectPolicy",
    "RequestError",
    "RequestTimeoutError",
    "SpotstreamError",
    "Subscription",
    "SubscriptionError",
    "SystemState",
    "SystemStatus",
    "Ticker",
    "Trade",
    "UnknownSymbolError",
    "UpdateSubscription",
]
