"""CoinEx test helpers: clients of the simulator signed with its test key, and orders placed
on it in-process (a signed REST v2 request handled with no await, so nothing else runs
between placing and what a test does next)."""

from __future__ import annotations

import json
from typing import Any

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.coinex.client import CoinExSocketClient
from spotstream.models.enums import ReconcileReason
from spotstream.models.orders import Reconciliation
from spotstream.protocol.coinex.sign import rest_signature
from spotstream.simulator.http import HttpRequest
from spotstream.simulator.server import Simulator
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY
from support.wait import eventually

FAST_RECONNECT = ReconnectPolicy(initial=0.01, maximum=0.2)
KEY = COINEX_TEST_KEY


def place(sim: Simulator, **fields: str) -> dict[str, Any]:
    """A signed REST v2 order, handled in-process (no await: nothing runs in between)."""
    order = {"market": "BTCUSDT", "market_type": "SPOT", "side": "buy", "type": "limit",
             "amount": "0.01", **fields}  # fmt: skip
    return signed_post(sim, "/v2/spot/order", order)


def cancel(sim: Simulator, order_id: object, market: str = "BTCUSDT") -> dict[str, Any]:
    """A signed REST v2 cancel of one order, handled in-process like :func:`place`."""
    body = {"market": market, "market_type": "SPOT", "order_id": int(str(order_id))}
    return signed_post(sim, "/v2/spot/cancel-order", body)


def signed_post(sim: Simulator, path: str, fields: dict[str, Any]) -> dict[str, Any]:
    """POST ``fields`` to the simulator's CoinEx REST ``path``, signed with the test key and
    handled in-process; the answer's ``data`` (its ``code`` must be 0)."""
    body = json.dumps(fields).encode()
    stamp = sim.clock() // 1_000_000
    headers = {
        "x-coinex-key": KEY.access_id,
        "x-coinex-sign": rest_signature(KEY.secret_key, "POST", path, body, stamp),
        "x-coinex-timestamp": str(stamp),
        "content-type": "application/json",
    }
    request = HttpRequest("POST", "/coinex" + path, "HTTP/1.1", headers, body)
    answer = json.loads(sim.coinex.rest.handle(request).body)
    assert answer["code"] == 0, answer
    data: dict[str, Any] = answer["data"]
    return data


def far_below(sim: Simulator) -> str:
    """A buy price that rests (well under the market)."""
    spec = sim.market.instruments["BTC/USDT"]
    return str((spec.start_price / 2).quantize(spec.price_increment))


def signed_client(sim: Simulator, api_version: int = 2, **kwargs: Any) -> Any:
    """A client of ``sim``'s CoinEx socket ``api_version`` and its REST v2, signed with the
    test key, reconnecting fast (``kwargs`` override)."""
    options: dict[str, Any] = {
        "url": sim.urls["coinex_v1" if api_version == 1 else "coinex_v2"],
        "rest_url": sim.urls["coinex_rest"],
        "access_id": KEY.access_id,
        "secret_key": KEY.secret_key,
        "reconnect": FAST_RECONNECT,
        "request_timeout": 5,
        **kwargs,
    }
    return CoinExSocketClient(api_version=api_version, **options)


async def reconciled_exactly(client: Any, sim: Simulator) -> None:
    """While ``client``'s order feed is down one order is cancelled and one placed: the
    reconciliation that follows lists exactly these two, nothing else."""
    async with client.spot.orders() as orders:
        kept = place(sim, price=far_below(sim), client_id="kept")
        gone = place(sim, price=far_below(sim), client_id="gone")
        await eventually(lambda: str(gone["order_id"]) in client.spot.open_orders)
        await eventually(lambda: client.private_session.connection.connected)
        sim.faults.drop_private_connections()
        cancel(sim, gone["order_id"])
        new = place(sim, price=far_below(sim), client_id="new")
        async for event in orders:
            if isinstance(event.data, Reconciliation):
                break
        rec = event.data
        assert rec.reason is ReconcileReason.RECONNECT
        assert [o.order_id for o in rec.opened] == [str(new["order_id"])]
        assert [o.order_id for o in rec.closed] == [str(gone["order_id"])]
        assert rec.changed == ()
        assert rec.fills == ()
        assert {str(kept["order_id"]), str(new["order_id"])} <= set(client.spot.open_orders)
        assert str(gone["order_id"]) not in client.spot.open_orders
