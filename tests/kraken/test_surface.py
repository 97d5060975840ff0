"""The surface users and bug reports rely on, pinned: public names, module paths, keyword
arguments, and the debugging surface of the Kraken v2 public connection."""

from __future__ import annotations

import inspect
from collections import Counter

import spotstream
import spotstream.compat.kraken_sdk as kraken_sdk
import spotstream.simulator as simulator
from spotstream import KrakenSocketClient, LifecycleKind, ReconnectPolicy
from spotstream.asyncio.session import SessionStats
from spotstream.auth.kraken_rest import get_websockets_token
from spotstream.cli import main
from spotstream.kraken.feeds import KrakenPrivateFeeds
from spotstream.kraken.trading import KrakenTrading
from spotstream.simulator import Simulator
from support.wait import eventually

PUBLIC_NAMES = {
    "spotstream": {
        "KrakenSocketClient",
        "KrakenSpotStreams",
        "OrderBook",
        "L3OrderBook",
        "ReconnectPolicy",
        "LifecycleKind",
        "OrderSide",
        "Credentials",
        "ExchangeError",
        "OutcomeUnknownError",
        "SpotstreamError",
    },
    "simulator": {
        "Simulator",
        "TEST_ACCOUNT",
        "DEFAULT_ACCOUNTS",
        "AccountSpec",
        "Faults",
        "ManualClock",
        "Market",
        "MarketStep",
        "serve_forever",
    },
    "kraken_sdk": {"SpotWSClient", "SpotOrderBookClient"},
}


def test_public_names_and_paths_keep_working() -> None:
    assert PUBLIC_NAMES["spotstream"] <= set(spotstream.__all__)
    assert PUBLIC_NAMES["simulator"] <= set(simulator.__all__)
    for name in PUBLIC_NAMES["kraken_sdk"]:
        assert getattr(kraken_sdk, name) is not None
    assert callable(get_websockets_token)
    assert callable(main)
    assert {"connected", "connection_lost", "restored"} <= {k.value for k in LifecycleKind}


def test_keyword_arguments_keep_working() -> None:
    policy = ReconnectPolicy(initial=0.1, maximum=2.0, budget=150)
    assert (policy.initial, policy.maximum) == (0.1, 2.0)
    client = inspect.signature(KrakenSocketClient)
    for name in (
        "url",
        "private_url",
        "l3_url",
        "rest_url",
        "credentials",
        "api_key",
        "api_secret",
        "token_source",
        "transport",
        "output_original_data",
        "request_timeout",
        "reconnect",
        "keepalive_interval",
        "dead_after",
        "queue_size",
        "clock",
    ):
        assert name in client.parameters, name
    trading = spotstream.KrakenSpotStreams.cancel_all_orders_after.__wrapped__
    assert "timeout" in inspect.signature(trading).parameters
    switch = inspect.signature(spotstream.KrakenSpotStreams.dead_man_switch.__wrapped__).parameters
    assert {"timeout", "refresh_every"} <= set(switch)


async def test_debugging_surface_of_the_public_connection() -> None:
    async with (
        Simulator(seed=3, rate=200) as sim,
        KrakenSocketClient(url=sim.urls["public"]) as client,
        client.spot.order_book("BTC/USD", depth=10) as book,
    ):
        await eventually(lambda: book.counters.updates > 0, what="book updates")
        session = client.session
        assert isinstance(session.stats, SessionStats)
        assert session.stats.unhandled == 0
        assert session.stats.resyncs_requested == 0
        assert any(e.kind is LifecycleKind.CONNECTED for e in session.stats.lifecycle)
        protocol = session.protocol
        verified = protocol.books["BTC/USD"]
        assert verified.price_precision == protocol.instruments.pairs["BTC/USD"].price_precision
        assert verified.counters.checksums_verified > 0
        assert verified.ignored == 0
        assert isinstance(protocol.unhandled, Counter)
        assert ("book", "BTC/USD", None) in protocol.streams


def test_spot_is_composed_and_offers_every_method_of_its_parts() -> None:
    """``client.spot`` keeps Kraken.Net's flat method set, by composition (no mixins)."""
    spot = spotstream.KrakenSpotStreams
    assert spot.__mro__ == (spot, object)
    for part in (KrakenPrivateFeeds, KrakenTrading):
        for name, member in vars(part).items():
            if name.startswith("_"):
                continue
            assert name in vars(spot), f"spot.{name} missing"
            if callable(member):
                offered = vars(spot)[name].__wrapped__
                assert inspect.signature(offered) == inspect.signature(member), name


def test_a_delegated_method_runs_on_its_part() -> None:
    client = KrakenSocketClient()  # built, never opened: nothing dials
    bound = client.spot.cancel_all_orders_after
    assert bound.__self__ is client.spot.trading  # type: ignore[attr-defined]
    assert client.spot.level3.__self__ is client.spot.feeds  # type: ignore[attr-defined]


KRAKEN_NET_SEED = {
    # Kraken.Net's KrakenSocketClient.SpotStreams, snake_case: name -> its parameters in order
    # (Kraken.Net's websocket token becomes spotstream's optional keyword-only ``token``)
    "subscribe_to_system_status_updates": ["handler"],
    "subscribe_to_ticker_updates": ["symbols", "handler"],
    "subscribe_to_kline_updates": ["symbols", "interval", "handler"],
    "subscribe_to_trade_updates": ["symbols", "handler"],
    "subscribe_to_spread_updates": ["symbols", "handler"],
    "subscribe_to_order_book_updates": ["symbol", "depth", "handler"],
    "subscribe_to_aggregated_order_book_updates": ["symbol", "depth", "handler"],
    "subscribe_to_order_updates": ["handler"],
    "subscribe_to_user_trade_updates": ["snapshot", "handler"],
    "place_order": [
        "symbol",
        "order_type",
        "side",
        "quantity",
        "client_order_id",
        "price",
        "secondary_price",
        "leverage",
        "start_time",
        "expire_time",
        "validate_only",
        "close_order_type",
        "close_price",
        "secondary_close_price",
    ],
    "cancel_order": ["order_id"],
    "cancel_orders": ["order_ids"],
    "cancel_all_orders": [],
    "cancel_all_orders_after": ["timeout"],
}
PRIVATE_SEED = {
    "subscribe_to_order_updates",
    "subscribe_to_user_trade_updates",
    "place_order",
    "cancel_order",
    "cancel_orders",
    "cancel_all_orders",
    "cancel_all_orders_after",
}


def test_kraken_net_seed_methods_take_its_parameters_in_its_order() -> None:
    spot = spotstream.KrakenSpotStreams
    for name, expected in KRAKEN_NET_SEED.items():
        method = getattr(spot, name)
        method = getattr(method, "__wrapped__", method)
        parameters = inspect.signature(method).parameters
        positional = [
            p.name
            for p in parameters.values()
            if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.name != "self"
        ]
        assert positional[: len(expected)] == expected, name
        if name in PRIVATE_SEED:
            token = parameters["token"]
            assert (token.kind, token.default) == (inspect.Parameter.KEYWORD_ONLY, None), name
