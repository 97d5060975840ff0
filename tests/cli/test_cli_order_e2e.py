"""`spotstream order` end to end against the simulator (every command through `main`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from helpers.cli_output import only_json
from spotstream.cli import main
from spotstream.kraken.client import KrakenSocketClient
from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from spotstream.simulator.server import Simulator

# --- end to end against the simulator --------------------------------------------------------


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=5, rate=50) as simulator:
        yield simulator


@pytest.fixture
def sim_env(sim: Simulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every command pointed at the simulator through the environment, as a user would."""
    monkeypatch.setenv("SPOTSTREAM_KRAKEN_PUBLIC_URL", sim.urls["public"])
    monkeypatch.setenv("SPOTSTREAM_KRAKEN_PRIVATE_URL", sim.urls["private"])
    monkeypatch.setenv("SPOTSTREAM_KRAKEN_L3_URL", sim.urls["l3"])
    monkeypatch.setenv("SPOTSTREAM_KRAKEN_REST_URL", sim.urls["rest"])
    monkeypatch.setenv("KRAKEN_API_KEY", TEST_ACCOUNT.api_key)
    monkeypatch.setenv("KRAKEN_API_SECRET", TEST_ACCOUNT.api_secret)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


async def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run a command as ``main`` (its own event loop, in a worker thread: the simulator
    keeps serving on this one)."""
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


async def low_price(sim: Simulator, factor: str = "0.8") -> Decimal:
    """A BTC/USD buy price far below the market: the order rests."""
    async with (
        KrakenSocketClient(url=sim.urls["public"]) as client,
        client.spot.order_book("BTC/USD", depth=10) as book,
    ):
        bid = book.best_bid
    assert bid is not None
    return (bid.price * Decimal(factor)).quantize(Decimal("0.1"))


def ndjson(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def snapshot_orders(out: str) -> dict[str, dict[str, Any]]:
    return {
        line["data"]["order_id"]: line["data"]
        for line in ndjson(out)
        if line["type"] == "OrderUpdate" and line["kind"] == "snapshot"
    }


async def test_add_amend_cancel_end_to_end(
    sim_env: None, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    price = await low_price(sim)
    code, out, _ = await cli(
        capsys, "order", "add", "BTC/USD", "buy", "limit", "0.01",
        "--limit-price", str(price), "--cl-ord-id", "cli-e2e-1", "--json",
    )  # fmt: skip
    assert code == 0, out
    placed = only_json(out)["result"]
    order_id = placed["order_id"]
    assert order_id
    assert placed["client_order_id"] == "cli-e2e-1"

    new_price = price - 1
    code, out, _ = await cli(
        capsys, "order", "amend", order_id, "--order-qty", "0.02",
        "--limit-price", str(new_price), "--json",
    )  # fmt: skip
    assert code == 0, out
    assert only_json(out)["result"]["amend_id"]

    code, out, err = await cli(capsys, "watch", "executions", "--json", "--duration", "3")
    assert code == 0, err
    resting = snapshot_orders(out)[order_id]
    assert Decimal(resting["quantity"]) == Decimal("0.02")
    assert Decimal(resting["limit_price"]) == new_price

    code, out, _ = await cli(capsys, "order", "cancel", order_id)
    assert code == 0
    assert out.splitlines() == [f"cancelled order {order_id}"]
    code, out, _ = await cli(capsys, "order", "cancel", order_id, "--json")
    assert code == 1  # no longer open: the exchange's own text
    (outcome,) = only_json(out)["results"]
    # the type names the reason (typed by the Kraken table), the text stays the exchange's
    assert (outcome["type"], outcome["error"]) == ("OrderNotFoundError", "EOrder:Unknown order")

    code, out, err = await cli(capsys, "watch", "executions", "--json", "--duration", "3")
    assert code == 0, err
    assert order_id not in snapshot_orders(out)


async def test_exchange_rejection_end_to_end(
    sim_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = await cli(capsys, "order", "add", "BTC/USD", "buy", "market", "1000000",
                             "--json")  # fmt: skip
    assert code == 1
    refusal = {"error": "EOrder:Insufficient funds", "type": "InsufficientFundsError"}
    assert only_json(out) == refusal
    code, _, err = await cli(capsys, "order", "add", "BTC/USD", "buy", "limit", "1")
    assert code == 2  # no limit price: refused before sending
    assert "limit_price" in err


async def test_outcome_unknown_end_to_end(
    sim_env: None, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    price = await low_price(sim)
    sim.faults.delay_next_response(3)
    code, out, err = await cli(
        capsys, "order", "add", "BTC/USD", "buy", "limit", "0.01",
        "--limit-price", str(price), "--timeout", "0.5",
    )  # fmt: skip
    assert code == 3
    assert "OUTCOME UNKNOWN" in err
    assert "spotstream watch executions" in err
    # It did take effect: the order rests, and cancel-all finds it.
    code, out, _ = await cli(capsys, "order", "cancel-all", "--json")
    assert code == 0
    assert only_json(out) == {"result": {"count": 1}}


async def test_batches_edit_validate_and_dead_man_switch_end_to_end(
    sim_env: None, sim: Simulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    price = await low_price(sim, "0.7")
    orders = [
        {"side": "buy", "order_type": "limit", "order_qty": "0.01", "limit_price": str(price)},
        {"side": "buy", "order_type": "limit", "order_qty": 0.02, "limit_price": str(price - 1)},
    ]
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps(orders))
    code, out, _ = await cli(capsys, "order", "batch-add", "BTC/USD", str(batch), "--json")
    assert code == 0, out
    ids = [r["order_id"] for r in only_json(out)["results"]]
    assert len(ids) == 2
    assert all(ids)
    code, out, _ = await cli(capsys, "order", "batch-cancel", *ids)
    assert (code, out.strip()) == (0, "cancelled 2 orders")

    code, out, _ = await cli(capsys, "order", "add", "BTC/USD", "buy", "limit", "0.01",
                             "--limit-price", str(price), "--validate")  # fmt: skip
    assert code == 0
    assert out.strip() == "validated: the exchange accepts this order (nothing was placed)"

    code, out, _ = await cli(capsys, "order", "add", "BTC/USD", "buy", "limit", "0.01",
                             "--limit-price", str(price), "--json")  # fmt: skip
    first = only_json(out)["result"]["order_id"]
    code, out, _ = await cli(capsys, "order", "edit", first, "BTC/USD", "--order-qty", "0.03",
                             "--limit-price", str(price - 2), "--json")  # fmt: skip
    assert code == 0, out
    edited = only_json(out)["result"]
    assert edited["original_order_id"] == first
    assert edited["order_id"] not in ("", first)

    code, out, _ = await cli(capsys, "order", "cancel-after", "60", "--json")
    assert code == 0
    armed = only_json(out)["result"]
    assert armed["trigger_time"] is not None
    code, out, _ = await cli(capsys, "order", "cancel-after", "0")
    assert (code, out.startswith("dead man's switch disarmed")) == (0, True)
    code, out, _ = await cli(capsys, "order", "cancel-all")
    assert (code, out.strip()) == (0, "cancelled 1 order")
