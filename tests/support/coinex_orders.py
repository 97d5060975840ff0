"""CoinEx orders placed on the simulator in-process: a signed REST v2 request handled with
no await, so nothing else runs between placing and what a test does next."""

from __future__ import annotations

import json
from typing import Any

from spotstream.protocol.coinex.sign import rest_signature
from spotstream.simulator.http import HttpRequest
from spotstream.simulator.server import Simulator
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY

KEY = COINEX_TEST_KEY


def place(sim: Simulator, **fields: str) -> dict[str, Any]:
    """A signed REST v2 order, handled in-process (no await: nothing runs in between)."""
    order = {"market": "BTCUSDT", "market_type": "SPOT", "side": "buy", "type": "limit",
             "amount": "0.01", **fields}  # fmt: skip
    body = json.dumps(order).encode()
    stamp = sim.clock() // 1_000_000
    headers = {
        "x-coinex-key": KEY.access_id,
        "x-coinex-sign": rest_signature(KEY.secret_key, "POST", "/v2/spot/order", body, stamp),
        "x-coinex-timestamp": str(stamp),
        "content-type": "application/json",
    }
    request = HttpRequest("POST", "/coinex/v2/spot/order", "HTTP/1.1", headers, body)
    answer = json.loads(sim.coinex.rest.handle(request).body)
    assert answer["code"] == 0, answer
    data: dict[str, Any] = answer["data"]
    return data


def far_below(sim: Simulator) -> str:
    """A buy price that rests (well under the market)."""
    spec = sim.market.instruments["BTC/USDT"]
    return str((spec.start_price / 2).quantize(spec.price_increment))
