"""`spotstream order --exchange coinex` end to end against the simulator: place every type,
cancel, cancel-all, open, closed; the Kraken command's exit codes and JSON."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from helpers.cli_output import only_json
from spotstream.cli import main
from spotstream.simulator.server import Simulator
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=5, rate=50) as simulator:
        yield simulator


@pytest.fixture
def coinex_env(sim: Simulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SPOTSTREAM_COINEX_REST_URL", sim.urls["coinex_rest"])
    monkeypatch.setenv("SPOTSTREAM_COINEX_V2_URL", sim.urls["coinex_v2"])
    monkeypatch.setenv("COINEX_ACCESS_ID", COINEX_TEST_KEY.access_id)
    monkeypatch.setenv("COINEX_SECRET_KEY", COINEX_TEST_KEY.secret_key)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("KRAKEN_API_KEY", "KRAKEN_API_SECRET"):
        monkeypatch.delenv(name, raising=False)


async def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def low(sim: Simulator) -> str:
    spec = sim.market.instruments["BTC/USDT"]
    return str((spec.start_price / 2).quantize(spec.price_increment))


async def test_place_list_cancel_and_close(
    coinex_env: None, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = await cli(
        capsys, "order", "--exchange", "coinex", "add", "BTCUSDT", "buy", "limit", "0.01",
        "--limit-price", low(sim), "--cl-ord-id", "cli-1", "--json",
    )  # fmt: skip
    assert code == 0, out
    placed = only_json(out)["result"]
    assert (placed["status"], placed["client_order_id"]) == ("new", "cli-1")
    assert placed["limit_price"] == low(sim)
    first = placed["order_id"]

    code, out, _ = await cli(
        capsys, "order", "add", "BTCUSDT", "buy", "limit", "0.01", "--limit-price", low(sim),
        "--post-only", "--exchange", "coinex",
    )  # fmt: skip
    assert code == 0, out
    assert "maker_only" in out
    second = out.split()[1].rstrip(":")

    code, out, _ = await cli(capsys, "order", "--exchange", "coinex", "open", "--json")
    assert code == 0
    assert {o["order_id"] for o in only_json(out)["results"]} == {first, second}
    code, out, _ = await cli(capsys, "order", "--exchange", "coinex", "open")
    assert out.count("order ") == 2

    code, out, _ = await cli(
        capsys, "order", "--exchange", "coinex", "cancel", first, "--symbol", "BTC/USDT"
    )
    assert code == 0, out
    assert f"order {first}" in out
    assert "canceled" in out
    # the same again: refused by CoinEx (3600), one result per order, exit 1
    code, out, _ = await cli(
        capsys, "order", "--exchange", "coinex", "cancel", first, "--symbol", "BTCUSDT", "--json"
    )  # fmt: skip
    assert code == 1
    [result] = only_json(out)["results"]
    assert result["type"] == "OrderNotFoundError"

    code, out, _ = await cli(capsys, "order", "--exchange", "coinex", "cancel-all")
    assert (code, out.strip()) == (0, "cancelled every open order of BTCUSDT")
    code, out, _ = await cli(capsys, "order", "--exchange", "coinex", "open")
    assert (code, out.strip()) == (0, "no orders")

    code, out, _ = await cli(
        capsys, "order", "--exchange", "coinex", "add", "BTCUSDT", "buy", "market", "100",
        "--json",
    )  # fmt: skip
    assert code == 0, out
    bought = only_json(out)["result"]
    assert Decimal(bought["filled_quantity"]) > 0

    code, out, _ = await cli(
        capsys, "order", "--exchange", "coinex", "closed", "--symbol", "BTCUSDT", "--json"
    )
    assert code == 0
    closed = only_json(out)["results"]
    assert [o["order_id"] for o in closed] == [bought["order_id"], second, first]
    assert [o["status"] for o in closed] == ["filled", "canceled", "canceled"]
    code, out, _ = await cli(capsys, "order", "--exchange", "coinex", "closed", "--side", "sell")
    assert (code, out.strip()) == (0, "no orders")


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        (["add", "BTCUSDT", "buy", "fok", "0.01"], "InvalidRequestError"),  # no price
        (["add", "BTCUSDT", "buy", "iceberg", "0.01", "--limit-price", "1"],
         "UnsupportedFeatureError"),
        (["add", "BTCUSDT", "buy", "limit", "0.01", "--limit-price", "1", "--margin"],
         "UnsupportedFeatureError"),
        (["add", "BTCUSDT", "buy", "limit", "0.01", "--limit-price", "1",
          "--time-in-force", "gtd"], "UnsupportedFeatureError"),
        (["cancel", "1"], "InvalidRequestError"),  # no --symbol
        (["cancel", "abc", "--symbol", "BTCUSDT"], "InvalidRequestError"),
        (["cancel", "--cl-ord-id", "x", "--symbol", "BTCUSDT"], "UnsupportedFeatureError"),
        (["amend", "1", "--order-qty", "1"], "UnsupportedFeatureError"),
        (["cancel-after", "60"], "UnsupportedFeatureError"),
        (["closed", "--max-pages", "0"], "InvalidRequestError"),
    ],
)  # fmt: skip
async def test_bad_input_exits_2_before_sending(
    coinex_env: None, capsys: pytest.CaptureFixture[str], argv: list[str], kind: str
) -> None:
    code, out, _ = await cli(capsys, "order", "--exchange", "coinex", *argv, "--json")
    assert code == 2, out
    assert only_json(out)["type"] == kind


async def test_refusals_exit_1(
    coinex_env: None, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await cli(
        capsys, "order", "--exchange", "coinex", "add", "BTCUSDT", "buy", "limit", "1000",
        "--limit-price", low(sim),
    )  # fmt: skip
    assert code == 1
    assert "rejected by the exchange" in err
    code, out, _ = await cli(
        capsys, "order", "--exchange", "coinex", "cancel-all", "--symbol", "DOGEUSDT", "--json"
    )
    assert code == 1
    assert only_json(out)["type"] == "InvalidArgumentsError"


async def test_unreachable_and_no_credentials(
    coinex_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("SPOTSTREAM_COINEX_REST_URL", f"http://127.0.0.1:{port}/coinex")
    code, _, err = await cli(capsys, "order", "--exchange", "coinex", "open")
    assert code == 4
    assert "unreachable" in err
    monkeypatch.delenv("COINEX_ACCESS_ID")
    monkeypatch.delenv("COINEX_SECRET_KEY")
    code, _, err = await cli(capsys, "order", "--exchange", "coinex", "open")
    assert code == 2
    assert "COINEX_ACCESS_ID" in err


async def test_coinex_choices_are_refused_for_kraken(
    coinex_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (
        ["add", "BTC/USD", "buy", "fok", "0.01", "--limit-price", "1"],
        ["cancel-all", "--symbol", "BTC/USD"],
        ["open"],
    ):
        code, out, _ = await cli(capsys, "order", *argv, "--json")
        assert code == 2, argv
        assert only_json(out)["type"] in ("InvalidRequestError", "UnsupportedFeatureError")
    with pytest.raises(SystemExit) as both:  # argparse's usage error: exit 2
        main(["order", "--exchange", "kraken", "open", "--exchange", "coinex"])
    assert both.value.code == 2
    assert "--exchange kraken and --exchange coinex" in capsys.readouterr().err
