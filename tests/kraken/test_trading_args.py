"""Trading calls' arguments: converted at the edge, refused before sending, in Kraken.Net's
order for ``place_order``; and the public signatures type-check with the enums."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from spotstream import OrderSide, OrderType, TimeInForce
from spotstream.errors import InvalidRequestError
from spotstream.kraken.trading import KrakenTrading
from spotstream.protocol.events import RequestDone
from spotstream.protocol.kraken.v2 import trading_wire as tw


class Recorder:
    """A private session that records what would be sent (and sends nothing)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []
        self.protocol = SimpleNamespace(
            trading=lambda method, params, expected: (method, params),
            require_token=lambda: "token",
        )

    async def trade(self, build: Callable[[], Any], timeout: float | None) -> RequestDone:
        method, params = build()
        self.sent.append((method, params))
        result = tw.AddOrderResult(order_id="O1")
        return RequestDone(1, method, results=[result])


def trading() -> tuple[KrakenTrading, Recorder]:
    session = Recorder()
    client = SimpleNamespace(private_session=session, _session=None, _use_token=lambda _: None)
    trader = KrakenTrading(client)  # type: ignore[arg-type]
    return trader, session


async def test_add_order_converts_plain_values_once() -> None:
    trader, session = trading()
    await trader.add_order("BTC/USD", "buy", "limit", Decimal("1"), limit_price=Decimal("2"))
    await trader.add_order(
        "BTC/USD", OrderSide.SELL, OrderType.LIMIT, Decimal("1"), limit_price=Decimal("2"),
        time_in_force=TimeInForce.IOC,
    )  # fmt: skip
    (_, first), (_, second) = session.sent
    assert (first.side, first.order_type, first.token) == ("buy", "limit", "token")
    assert (second.side, second.time_in_force) == ("sell", "ioc")


@pytest.mark.parametrize(
    ("args", "options"),
    [
        (("BUY", "limit", Decimal("1")), {"limit_price": Decimal("2")}),
        (("Buy", "limit", Decimal("1")), {"limit_price": Decimal("2")}),
        (("buy", "LIMIT", Decimal("1")), {"limit_price": Decimal("2")}),
        ((OrderType.LIMIT, OrderSide.BUY, Decimal("1")), {"limit_price": Decimal("2")}),  # swapped
        (("buy", "limit", 0.1), {"limit_price": Decimal("2")}),
        (("buy", "limit", Decimal("1")), {"limit_price": 30000.5}),
        (("buy", "limit", Decimal("1")), {"limit_price": "30000.5"}),
        (("buy", "limit", Decimal("1")), {"limit_price": Decimal("2"), "time_in_force": "GTC"}),
        (("buy", "stop-loss", Decimal("1")), {"trigger_price": 5.0}),
    ],
)
async def test_bad_values_are_refused_before_anything_is_sent(
    args: tuple[Any, ...], options: dict[str, Any]
) -> None:
    trader, session = trading()
    with pytest.raises(InvalidRequestError):
        await trader.add_order("BTC/USD", *args, **options)
    assert session.sent == []


async def test_place_order_takes_the_type_before_the_side() -> None:
    trader, session = trading()
    placed = await trader.place_order(
        "BTC/USD", OrderType.LIMIT, OrderSide.BUY, Decimal("0.1"), None, Decimal("30000")
    )
    assert placed.order_id == "O1"
    await trader.place_order(
        "BTC/USD", order_type="market", side="sell", quantity=Decimal("0.2"), cl_ord_id="c1"
    )
    (method, limit), (_, market) = session.sent
    assert method == "add_order"
    assert (limit.order_type, limit.side, limit.order_qty, limit.limit_price) == (
        "limit", "buy", Decimal("0.1"), Decimal("30000"),
    )  # fmt: skip
    assert (market.order_type, market.side, market.cl_ord_id) == ("market", "sell", "c1")
    assert market.limit_price is None


async def test_place_order_in_the_old_order_is_refused() -> None:
    trader, session = trading()
    with pytest.raises(InvalidRequestError, match=r"order_type must be one of .*, not 'buy'"):
        await trader.place_order("BTC/USD", "buy", "limit", Decimal("1"), price=Decimal("2"))
    with pytest.raises(InvalidRequestError, match="must be one of"):
        await trader.place_order("BTC/USD", OrderSide.BUY, OrderType.LIMIT, Decimal("1"))
    with pytest.raises(TypeError, match="price"):
        await trader.place_order(
            "BTC/USD",
            "limit",
            "buy",
            Decimal("1"),
            limit_price=Decimal("2"),  # type: ignore[call-arg]
        )
    with pytest.raises(TypeError, match="unexpected keyword argument 'limit_prise'"):
        await trader.add_order("BTC/USD", "buy", "limit", Decimal("1"), limit_prise=Decimal("2"))  # type: ignore[call-arg]
    assert session.sent == []


TYPED_USE = """
from decimal import Decimal
from typing import assert_type

from spotstream import KrakenSocketClient, OrderSide, OrderType, PlacedOrder, TimeInForce


async def use(client: KrakenSocketClient) -> None:
    placed = await client.spot.add_order(
        "BTC/USD", OrderSide.BUY, OrderType.LIMIT, Decimal("0.1"),
        limit_price=Decimal("30000"), time_in_force=TimeInForce.GTC, cl_ord_id="a",
    )
    assert_type(placed, PlacedOrder)
    await client.spot.add_order("BTC/USD", "buy", "limit", Decimal("0.1"), limit_price=None)
    await client.spot.place_order(
        "BTC/USD", OrderType.LIMIT, OrderSide.BUY, quantity=Decimal("0.1"), price=Decimal("3")
    )
    await client.spot.place_order("BTC/USD", OrderType.MARKET, OrderSide.SELL, Decimal("1"))
"""
MISTYPED_USE = """
from decimal import Decimal

from spotstream import KrakenSocketClient, OrderSide, OrderType


async def use(client: KrakenSocketClient) -> None:
    await client.spot.add_order("BTC/USD", OrderSide.BUY, OrderType.LIMIT, 0.1)
    await client.spot.add_order("BTC/USD", "buy", "limit", Decimal(1), limit_prise=Decimal(1))
    await client.spot.place_order("BTC/USD", OrderType.LIMIT, OrderSide.BUY, Decimal(1), price=3.5)
"""


def _mypy(tmp_path: Path, source: str) -> tuple[str, int]:
    api = pytest.importorskip("mypy.api", reason="mypy (the dev extra) is not installed")
    path = tmp_path / "use.py"
    path.write_text(textwrap.dedent(source))
    cache = tmp_path / "mypy-cache"
    out, err, status = api.run(["--strict", "--cache-dir", str(cache), str(path)])
    return out + err, status


def test_the_enums_type_check_without_ignores(tmp_path: Path) -> None:
    out, status = _mypy(tmp_path, TYPED_USE)
    assert status == 0, out


def test_mistyped_calls_are_caught_by_the_type_checker(tmp_path: Path) -> None:
    out, status = _mypy(tmp_path, MISTYPED_USE)
    assert status == 1
    assert out.count("error:") == 3, out
