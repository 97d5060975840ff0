"""The soak's clients, one per venue and version, against the embedded simulator: what each
watches (two books, its private feeds) and how it trades (a resting bid, cancelled, and
small market orders both ways)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from spotstream.asyncio.order_book import OrderBook
from spotstream.coinex.client import CoinExSocketClient
from spotstream.kraken.client import KrakenSocketClient
from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from spotstream.simulator.server import Simulator
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY

DEPTH = 10
REQUEST_TIMEOUT = 3.0
KRAKEN_MARKETS = ("BTC/USD", "ETH/USD")
COINEX_MARKETS = ("BTC/USDT", "ETH/USDT")
TAKE = Decimal("0.002")  # base quantity of a market order
REST = Decimal("0.01")
COINEX_BUY_QUOTE = Decimal("150")  # a CoinEx market buy is sized in the quote currency
VENUES = ("kraken_v2", "kraken_v1", "coinex_v2", "coinex_v1")


@dataclass
class Venue:
    name: str
    client: Any
    markets: dict[str, str]  # the client's symbol -> the market's pair
    feeds: dict[str, Callable[[], Any]]  # feed name -> opens it
    trade: Callable[[int], Awaitable[object]]  # one trading round
    books: dict[str, OrderBook] = field(default_factory=dict)

    def sessions(self) -> list[Any]:
        found = []
        for name in ("session", "private_session"):
            with contextlib.suppress(Exception):
                found.append(getattr(self.client, name))
        return found

    def reconnects(self) -> int:
        return sum(max(0, s.connection.connects - 1) for s in self.sessions())


def make_venue(name: str, sim: Simulator) -> Venue:
    if name.startswith("kraken"):
        return _kraken(name, sim, 2 if name.endswith("v2") else 1)
    return _coinex(name, sim, 2 if name.endswith("v2") else 1)


def _kraken(name: str, sim: Simulator, version: int) -> Venue:
    v2 = version == 2
    client = KrakenSocketClient(
        api_version=2 if v2 else 1,
        url=sim.urls["public" if v2 else "kraken_v1_public"],
        private_url=sim.urls["private" if v2 else "kraken_v1_private"],
        rest_url=sim.urls["rest"],
        api_key=TEST_ACCOUNT.api_key,
        api_secret=TEST_ACCOUNT.api_secret,
        request_timeout=REQUEST_TIMEOUT,
    )
    markets = {(m if v2 else m.replace("BTC", "XBT")): m for m in KRAKEN_MARKETS}
    spot = client.spot
    feeds: dict[str, Callable[[], Any]] = (
        {"executions": spot.executions, "balances": spot.balances}
        if v2
        else {"openOrders": spot.orders, "ownTrades": lambda: spot.own_trades(snapshot=False)}
    )
    symbol = next(iter(markets))
    tick = Decimal(1).scaleb(-sim.market.instruments[KRAKEN_MARKETS[0]].price_precision)

    async def trade(round_: int) -> object:
        step = round_ % 4
        if step == 0:
            price = (_mid(sim, KRAKEN_MARKETS[0]) * Decimal("0.9")).quantize(tick)
            return await spot.add_order(symbol, "buy", "limit", REST, limit_price=price)
        if step == 1:
            return await spot.cancel_all()
        return await spot.add_order(symbol, "buy" if step == 2 else "sell", "market", TAKE)

    return Venue(name, client, markets, feeds, trade)


def _coinex(name: str, sim: Simulator, version: int) -> Venue:
    client = CoinExSocketClient(
        api_version=version,
        url=sim.urls["coinex_v2" if version == 2 else "coinex_v1"],
        rest_url=sim.urls["coinex_rest"],
        access_id=COINEX_TEST_KEY.access_id,
        secret_key=COINEX_TEST_KEY.secret_key,
        request_timeout=REQUEST_TIMEOUT,
    )
    markets = {m.replace("/", ""): m for m in COINEX_MARKETS}
    spot = client.spot
    feeds: dict[str, Callable[[], Any]] = {"orders": spot.orders, "balances": spot.balances}
    if version == 2:  # v1 reports fills inside its order updates
        feeds["user_trades"] = spot.user_trades
    symbol = next(iter(markets))
    spec = sim.market.instruments[COINEX_MARKETS[0]]
    tick = Decimal(1).scaleb(-spec.price_precision)

    async def trade(round_: int) -> object:
        trading, step = spot.trading, round_ % 4
        if step == 0:
            price = (_mid(sim, COINEX_MARKETS[0]) * Decimal("0.9")).quantize(tick)
            return await trading.place_order(symbol, "buy", "limit", REST, price)
        if step == 1:
            await trading.cancel_all_orders(symbol)
            return None
        if step == 2:
            return await trading.place_order(symbol, "buy", "market", COINEX_BUY_QUOTE)
        return await trading.place_order(symbol, "sell", "market", TAKE)

    return Venue(name, client, markets, feeds, trade)


def _mid(sim: Simulator, market: str) -> Decimal:
    spec = sim.market.instruments[market]
    best = sim.market[market].book.bids.best()
    if best is None:
        return spec.start_price
    return Decimal(best[0]).scaleb(-spec.price_precision)
