"""Numbers the simulator cannot hold (issue 11): huge, over-precise or out-of-range prices,
quantities and ids in any venue's requests are refused with that venue's invalid-arguments
error; nothing raises (an exception would drop the connection). Sans-I/O: sessions straight
from :meth:`Simulator.new_session`."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from spotstream.simulator import TEST_ACCOUNT, ManualClock, Simulator
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY
from spotstream.simulator.venues.coinex.refusals import PARAMETER_ERROR, CoinExRefusal

HOSTILE = (
    "1e400",
    "1" + "0" * 400,
    "0." + "0" * 60 + "1",
    "-1e30",
    "123456789012345678901234567890.123456789",
    str(2**70),
    str(-(2**70)),
)
V2_ORDER = '{"order_type":"limit","side":"buy","symbol":"BTC/USD","limit_price":P,"order_qty":Q'
V1_ORDER = '{"event":"addOrder","ordertype":"limit","type":"buy","pair":"XBT/USD","price":"P"'


def _payload(frame: bytes) -> Any:
    if frame[0] == 0x82:  # CoinEx v2: gzip in a binary frame
        return json.loads(gzip.decompress(frame[frame.index(b"\x1f\x8b") :]))
    return json.loads(frame[frame.index(b"{") :])


@pytest.fixture
def sim() -> Simulator:
    return Simulator(seed=1, rate=20, clock=ManualClock())


def _answers(sim: Simulator, endpoint: str, message: str) -> list[Any]:
    session = sim.new_session(endpoint, 1)
    session.open()
    session.outbox.clear()
    session.receive(message.encode())
    return [_payload(frame) for frame in session.outbox]


@pytest.mark.parametrize("number", HOSTILE)
@pytest.mark.parametrize(("price", "qty"), [("N", "0.001"), ("100", "N"), ("N", "N")])
def test_kraken_v2_orders_with_hostile_numbers_are_refused(
    sim: Simulator, number: str, price: str, qty: str
) -> None:
    token = sim.credentials.issue_token(TEST_ACCOUNT)
    params = V2_ORDER.replace("P", price).replace("Q", qty).replace("N", number)
    message = f'{{"method":"add_order","params":{params},"token":"{token}"}},"req_id":7}}'
    (answer,) = _answers(sim, "private", message)
    assert answer["success"] is False  # refused: invalid, off the tick grid, or unaffordable
    assert answer["req_id"] == 7
    assert answer["error"].startswith(("EGeneral:Invalid arguments", "EOrder:"))


@pytest.mark.parametrize("number", ["1e400", "1" + "0" * 400, "9" * 40])
def test_kraken_v2_huge_prices_and_triggers_are_invalid_arguments(
    sim: Simulator, number: str
) -> None:
    token = sim.credentials.issue_token(TEST_ACCOUNT)
    for params in (
        V2_ORDER.replace("P", number).replace("Q", "0.001"),
        V2_ORDER.replace("P", "100").replace("Q", number),
        '{"order_type":"stop-loss","side":"buy","symbol":"BTC/USD","order_qty":0.001,'
        f'"triggers":{{"price":{number}}}',
    ):
        message = f'{{"method":"add_order","params":{params},"token":"{token}"}},"req_id":1}}'
        (answer,) = _answers(sim, "private", message)
        assert answer["error"].startswith("EGeneral:Invalid arguments"), answer


@pytest.mark.parametrize("number", ["1e400", "1" + "0" * 400, "9" * 40])
def test_kraken_v1_huge_prices_are_invalid_arguments(sim: Simulator, number: str) -> None:
    token = sim.credentials.issue_token(TEST_ACCOUNT)
    for price, volume in ((number, "1"), ("100", number)):
        message = (
            V1_ORDER.replace("P", price) + f',"volume":"{volume}","token":"{token}","reqid":3}}'
        )
        (answer,) = _answers(sim, "kraken_v1_private", message)
        assert answer["status"] == "error"
        assert answer["reqid"] == 3
        assert answer["errorMessage"].startswith("EGeneral:Invalid arguments"), answer


@pytest.mark.parametrize("kind", ["limit", "ioc", "fok", "maker_only"])
@pytest.mark.parametrize(
    ("amount", "price"),
    [("1e400", "100"), ("1", "1e400"), ("9" * 100, "9" * 100), ("1", "100.123456789123")],
)
def test_coinex_rest_orders_with_unholdable_numbers_are_parameter_errors(
    sim: Simulator, kind: str, amount: str, price: str
) -> None:
    params = {"market": "BTCUSDT", "market_type": "SPOT", "side": "buy", "type": kind}
    with pytest.raises(CoinExRefusal) as refused:
        sim.coinex.rest.trading.place(
            COINEX_TEST_KEY.account_id, {**params, "amount": amount, "price": price}
        )
    assert (refused.value.code, refused.value.message) == PARAMETER_ERROR


TEMPLATES = {
    "public": (
        '{"method":"ping","req_id":N}',
        '{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":N}}',
        '{"method":"subscribe","params":{"channel":"ohlc","symbol":["BTC/USD"],"interval":N}}',
    ),
    "kraken_v1_public": (
        '{"event":"ping","reqid":N}',
        '{"event":"subscribe","pair":["XBT/USD"],"subscription":{"name":"book","depth":N}}',
    ),
    "coinex_v2": (
        '{"method":"server.ping","params":{},"id":N}',
        '{"method":"depth.subscribe","params":{"market_list":[["BTCUSDT",N,"0",true]]},"id":1}',
    ),
    "coinex_v1": (
        '{"method":"server.ping","params":[],"id":N}',
        '{"method":"depth.subscribe","params":["BTCUSDT",N,"0"],"id":1}',
        '{"method":"deals.query","params":["BTCUSDT",N,N],"id":1}',
        '{"method":"kline.query","params":["BTCUSDT",N,N,N],"id":1}',
    ),
}


@pytest.mark.parametrize("endpoint", list(TEMPLATES))
def test_public_requests_with_hostile_numbers_are_answered(sim: Simulator, endpoint: str) -> None:
    for template in TEMPLATES[endpoint]:
        for number in HOSTILE:
            for text in (number, json.dumps(number)):
                answers = _answers(sim, endpoint, template.replace("N", text))
                assert answers, template  # answered (an error or a result), never raised
