"""Credentials handling and ``spotstream watch executions|balances|level3``.

Unit tests first (no server: credentials, rendering, NDJSON through a fake client), then the
commands end to end against the simulator.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from rich.console import Console

from spotstream.asyncio.order_book import L3OrderBook
from spotstream.book.l3 import VerifiedL3Book
from spotstream.cli import main
from spotstream.cli.credentials import default_config_path, load_credentials
from spotstream.cli.render import describe_reconciliation, describe_update, l3_book_panel
from spotstream.cli.watch_private import FeedView, executions_renderable, l3_json, rate_text
from spotstream.errors import AuthenticationError, InvalidCredentialsError
from spotstream.kraken.client import KrakenSocketClient
from spotstream.models.market import DataEvent, EventKind, OrderSide
from spotstream.models.orders import (
    Balance,
    BalanceChange,
    Fee,
    Fill,
    LedgerEntry,
    OrderState,
    OrderUpdate,
    ReconcileReason,
    Reconciliation,
)
from spotstream.protocol.kraken.checksum import kraken_l3_checksum
from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from spotstream.simulator.server import Simulator

SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQ="
T0 = datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No credentials in the environment; the config home is an empty temporary folder."""
    monkeypatch.delenv("KRAKEN_API_KEY", raising=False)
    monkeypatch.delenv("KRAKEN_API_SECRET", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return tmp_path


def write_config(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)
    return path


# --- credentials -------------------------------------------------------------------------------


def test_environment_credentials(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRAKEN_API_KEY", "env-key")
    monkeypatch.setenv("KRAKEN_API_SECRET", SECRET)
    credentials = load_credentials()
    assert (credentials.api_key, credentials.api_secret) == ("env-key", SECRET)
    assert SECRET not in repr(credentials)


def test_half_set_environment_names_the_missing_variable(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KRAKEN_API_KEY", "env-key")
    with pytest.raises(InvalidCredentialsError, match="KRAKEN_API_SECRET"):
        load_credentials()


def test_default_config_file(clean_env: Path) -> None:
    path = default_config_path()
    assert path == clean_env / "spotstream" / "kraken.toml"
    write_config(path, f'api_key = "file-key"\napi_secret = "{SECRET}"\n')
    assert load_credentials().api_key == "file-key"


def test_environment_beats_default_file_and_config_option_beats_both(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_config(default_config_path(), f'api_key = "default-file"\napi_secret = "{SECRET}"\n')
    monkeypatch.setenv("KRAKEN_API_KEY", "env-key")
    monkeypatch.setenv("KRAKEN_API_SECRET", SECRET)
    assert load_credentials().api_key == "env-key"
    chosen = write_config(tmp_path / "other.toml", f'api_key = "chosen"\napi_secret = "{SECRET}"')
    assert load_credentials(str(chosen)).api_key == "chosen"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o660])
def test_config_open_to_others_is_refused(clean_env: Path, mode: int) -> None:
    path = write_config(default_config_path(), f'api_key = "k"\napi_secret = "{SECRET}"', mode)
    with pytest.raises(InvalidCredentialsError) as info:
        load_credentials()
    message = str(info.value)
    assert "too open" in message
    assert f"{mode:04o}" in message
    assert f"chmod 600 {path}" in message
    assert SECRET not in message


def test_config_errors_are_clear_and_never_show_the_secret(clean_env: Path) -> None:
    path = default_config_path()
    write_config(path, 'api_key = "k"\napi_secret = "not base64!! TOPSECRET"\n')
    with pytest.raises(InvalidCredentialsError, match="not valid base64") as info:
        load_credentials()
    assert "TOPSECRET" not in str(info.value)
    write_config(path, 'api_key = "k"\n')
    with pytest.raises(InvalidCredentialsError, match="needs api_key and api_secret"):
        load_credentials()
    write_config(path, 'api_key = "k\napi_secret = "TOPSECRET"\n')
    with pytest.raises(InvalidCredentialsError, match="not valid TOML") as info:
        load_credentials()
    assert "TOPSECRET" not in str(info.value)
    with pytest.raises(InvalidCredentialsError, match="no such config file"):
        load_credentials(str(clean_env / "missing.toml"))


def test_nothing_configured_says_what_to_do(clean_env: Path) -> None:
    with pytest.raises(InvalidCredentialsError) as info:
        load_credentials()
    message = str(info.value)
    for hint in ("KRAKEN_API_KEY", "KRAKEN_API_SECRET", "kraken.toml", "chmod 600", "--config"):
        assert hint in message


def test_watch_without_credentials_exits_2(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["watch", "executions", "--json", "--duration", "1"]) == 2
    assert "no Kraken API credentials" in capsys.readouterr().err


def test_level3_depth_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["watch", "level3", "BTC/USD", "--depth", "25"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# --- rendering -------------------------------------------------------------------------------


def order_update(exec_type: str, **fields: Any) -> OrderUpdate:
    base: dict[str, Any] = {
        "order_id": "OAAAAA-11111-ZZZZZZ", "exec_type": exec_type, "status": None,
        "symbol": "BTC/USD", "side": OrderSide.BUY, "order_type": "limit",
        "quantity": Decimal("0.5"), "limit_price": Decimal("30000.1"), "filled_quantity": None,
        "filled_cost": None, "average_price": None, "client_order_id": None, "user_ref": None,
        "time_in_force": None, "reason": None, "timestamp": T0, "fill": None, "ratecount": None,
    }  # fmt: skip
    return OrderUpdate(**(base | fields))


def order_state(order_id: str, status: str = "new", filled: str = "0") -> OrderState:
    return OrderState(
        order_id, "BTC/USD", OrderSide.SELL, "limit", Decimal("1"), Decimal("31000"),
        Decimal(filled), Decimal(0), status, "mine", None, T0,
    )  # fmt: skip


FILL = Fill(
    order_id="OAAAAA-11111-ZZZZZZ", trade_id=7, exec_id="E1", symbol="BTC/USD",
    side=OrderSide.BUY, quantity=Decimal("0.25"), price=Decimal("30000.1"),
    cost=Decimal("7500.025"), fees=(Fee("USD", Decimal("12.0001")),), maker=True, timestamp=T0,
)  # fmt: skip
RECONCILIATION = Reconciliation(
    channel="executions",
    reason=ReconcileReason.RECONNECT,
    opened=(order_state("ONEW"),),
    closed=(order_state("OGONE"),),
    changed=((order_state("OMOVE"), order_state("OMOVE", "partially_filled", "0.4")),),
    fills=(FILL,),
)


def event(item: object, kind: EventKind = EventKind.UPDATE, gap: bool = False) -> DataEvent[Any]:
    return DataEvent(item, getattr(item, "symbol", None), "executions", kind, 0.0, gap)


def render_text(renderable: Any) -> str:
    console = Console(record=True, width=220, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_describe_order_updates() -> None:
    assert describe_update(order_update("new", status="new", client_order_id="c1")) == (
        "NEW OAAAAA-11111-ZZZZZZ buy 0.5 BTC/USD limit @ 30000.1 status new cl_ord_id c1"
    )
    assert describe_update(order_update("canceled", reason="User requested", quantity=None)) == (
        "CANCELED OAAAAA-11111-ZZZZZZ buy BTC/USD limit @ 30000.1 reason: User requested"
    )
    fill = order_update("trade", fill=FILL, filled_quantity=Decimal("0.25"))
    assert describe_update(fill) == (
        "FILL buy 0.25 BTC/USD @ 30000.1 (maker, fee 12.0001 USD) order OAAAAA-11111-ZZZZZZ "
        "filled 0.25 of 0.5"
    )


def test_describe_reconciliation() -> None:
    assert describe_reconciliation(RECONCILIATION) == (
        "RECONCILED executions after a reconnect: opened 1 closed 1 changed 1 missed fills 1"
    )
    quiet = Reconciliation("balances", ReconcileReason.SEQUENCE_GAP)
    assert describe_reconciliation(quiet) == (
        "RECONCILED balances after a sequence gap: nothing changed meanwhile"
    )


def test_executions_view_shows_orders_fills_and_reconciliation() -> None:
    view = FeedView()
    view.add(event(order_update("new", status="new")))
    view.add(event(order_update("trade", fill=FILL), gap=True))
    view.add(event(RECONCILIATION))
    assert (view.events, view.fills, view.gaps, len(view.reconciliations)) == (3, 1, 1, 1)
    text = render_text(executions_renderable(view, {"OMOVE": order_state("OMOVE")}, " · rc"))
    assert "open orders (1)" in text
    assert "OMOVE" in text
    assert "FILL buy 0.25 BTC/USD @ 30000.1" in text
    assert "RECONCILED executions after a reconnect" in text
    assert "closed meanwhile (filled, cancelled or expired): OGONE sell 1 BTC/USD" in text
    assert "changed: OMOVE" in text
    assert "partially_filled, filled 0.4" in text
    assert "missed fill: buy 0.25 BTC/USD @ 30000.1 (order OAAAAA-11111-ZZZZZZ)" in text
    assert "events 3 · fills 1 · gaps 1 · reconciliations 1 · rc" in text
    # newest first: the reconciliation line comes before the fill, the fill before the order
    assert text.index("RECONCILED") < text.index("FILL") < text.index("NEW OAAAAA")


def test_rate_text() -> None:
    assert rate_text({}, 125) == " · rate counter 0/125"
    assert rate_text({"ETH/USD": 2, "BTC/USD": 5}, None) == (
        " · rate counter BTC/USD 5, ETH/USD 2 (max ?)"
    )


class Resting(NamedTuple):
    order_id: str
    limit_price: Decimal
    order_qty: Decimal


def l3_book() -> L3OrderBook:
    async def closer(book: Any) -> None:
        return None

    verified = VerifiedL3Book("BTC/USD", 10, 1, 8, kraken_l3_checksum)
    bids = [
        Resting("B1", Decimal("100.0"), Decimal("1")),
        Resting("B2", Decimal("100.0"), Decimal("2.5")),
        Resting("B3", Decimal("99.5"), Decimal("1")),
    ]
    asks = [Resting("A1", Decimal("100.5"), Decimal("0.1"))]
    verified.apply_snapshot(bids, asks, None)
    book = L3OrderBook("BTC/USD", 10, closer, lambda coro: coro, lambda: 0.0)
    book.attach(verified)
    return book


def test_level3_panel_counts_orders_per_level() -> None:
    text = render_text(l3_book_panel(l3_book()))
    rows = [line.strip("│ ").split() for line in text.splitlines() if "0000 " in line]
    assert rows == [
        ["2", "3.50000000", "100.0", "100.5", "0.10000000", "1"],
        ["1", "1.00000000", "99.5"],
    ]
    assert "4 orders" in text
    assert "BTC/USD level 3 (depth 10)" in text


def test_level3_json_line() -> None:
    line = json.loads(
        l3_json(l3_book(), DataEvent(None, "BTC/USD", "level3", EventKind.SNAPSHOT, 0))
    )
    assert line["channel"] == "level3"
    assert line["kind"] == "snapshot"
    assert line["orders"] == 4
    assert line["bids"] == [
        {"price": "100.0", "qty": "3.50000000", "orders": 2},
        {"price": "99.5", "qty": "1.00000000", "orders": 1},
    ]
    assert line["asks"] == [{"price": "100.5", "qty": "0.10000000", "orders": 1}]


# --- the commands, through a fake client -----------------------------------------------------


class FakeFeed:
    """A finished subscription: yields its events, then ends."""

    def __init__(self, events: list[DataEvent[Any]]) -> None:
        self.events = events
        self.closed = False

    async def __aenter__(self) -> FakeFeed:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.closed = True

    def __aiter__(self) -> AsyncIterator[DataEvent[Any]]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[DataEvent[Any]]:
        for item in self.events:
            yield item


class FakeSpot:
    def __init__(self, feed: FakeFeed | BaseException) -> None:
        self.feed = feed
        self.options: dict[str, Any] = {}
        self.open_orders = {"OAAAAA-11111-ZZZZZZ": order_state("OAAAAA-11111-ZZZZZZ")}
        self.account_balances = {"USD": Decimal("999.5"), "BTC": Decimal("1.25")}
        self.rate_counters = {"BTC/USD": 4}
        self.max_rate_count = 125

    async def _open(self, **options: Any) -> FakeFeed:
        self.options = options
        if isinstance(self.feed, BaseException):
            raise self.feed
        return self.feed

    def executions(self, **options: Any) -> Any:
        return self._open(**options)

    def balances(self, **options: Any) -> Any:
        return self._open(**options)


def fake_client(monkeypatch: pytest.MonkeyPatch, spot: FakeSpot) -> Callable[[], Any]:
    seen: dict[str, Any] = {}

    @asynccontextmanager
    async def opened(args: argparse.Namespace, credentials: Any) -> AsyncIterator[Any]:
        seen["args"] = args
        yield argparse.Namespace(spot=spot)

    monkeypatch.setattr("spotstream.cli.watch_private.open_client", opened)
    return lambda: seen.get("args")


@pytest.fixture
def creds(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRAKEN_API_KEY", "cli-test-key")
    monkeypatch.setenv("KRAKEN_API_SECRET", SECRET)


def test_watch_executions_ndjson(
    creds: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = FakeFeed(
        [
            event(order_update("new", status="new"), EventKind.SNAPSHOT),
            event(order_update("trade", fill=FILL)),
            event(RECONCILIATION, gap=True),
        ]
    )
    spot = FakeSpot(feed)
    fake_client(monkeypatch, spot)
    argv = ["watch", "executions", "--json", "--snap-trades", "--no-snap-orders", "--ratecounter"]
    assert main(argv) == 0
    assert spot.options == {"snap_orders": False, "snap_trades": True, "ratecounter": True}
    assert feed.closed
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["type"] for line in lines] == ["OrderUpdate", "OrderUpdate", "Reconciliation"]
    assert lines[0]["kind"] == "snapshot"
    assert lines[0]["data"]["limit_price"] == "30000.1"  # exact, as a string
    assert lines[1]["data"]["fill"]["fees"] == [{"asset": "USD", "quantity": "12.0001"}]
    assert lines[2]["gap"] is True
    assert lines[2]["data"]["reason"] == "reconnect"
    assert lines[2]["data"]["closed"][0]["order_id"] == "OGONE"


def test_watch_executions_live_view(
    creds: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spot = FakeSpot(FakeFeed([event(order_update("trade", fill=FILL)), event(RECONCILIATION)]))
    fake_client(monkeypatch, spot)
    assert main(["watch", "executions", "--ratecounter"]) == 0
    raw = capsys.readouterr().out
    assert raw.endswith("\n")  # the last frame is terminated, even when not a terminal
    out = " ".join(raw.split())  # whatever the terminal's width
    assert "open orders (1)" in out
    assert "FILL buy 0.25 BTC/USD" in out
    assert "RECONCILED executions after a reconnect" in out
    assert "rate counter BTC/USD 4 (max 125)" in out


def test_watch_balances_ndjson_and_view(
    creds: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = LedgerEntry(
        "L1", "R1", T0, "trade", "USD", Decimal("-500.5"), Decimal("0.5"), Decimal("999.5")
    )
    change = Reconciliation(
        "balances", ReconcileReason.SEQUENCE_GAP,
        balances=(BalanceChange("BTC", Decimal("1"), Decimal("1.25")),),
    )  # fmt: skip
    events = [event(Balance("USD", Decimal("1500.5")), EventKind.SNAPSHOT), event(ledger)]
    fake_client(monkeypatch, FakeSpot(FakeFeed([*events, event(change)])))
    assert main(["watch", "balances", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["type"] for line in lines] == ["Balance", "LedgerEntry", "Reconciliation"]
    assert lines[1]["data"]["amount"] == "-500.5"
    assert lines[2]["data"]["balances"] == [{"asset": "BTC", "before": "1", "after": "1.25"}]
    fake_client(monkeypatch, FakeSpot(FakeFeed([*events, event(change)])))
    assert main(["watch", "balances"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "999.5" in out
    assert "trade USD -500.5 fee 0.5 -> balance 999.5" in out
    assert "balance BTC: 1 -> 1.25" in out


def test_watch_refused_by_the_exchange_exits_1(
    creds: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    refusal = AuthenticationError("EAPI:Invalid key", method="GetWebSocketsToken")
    fake_client(monkeypatch, FakeSpot(refusal))
    assert main(["watch", "executions", "--json"]) == 1
    assert "EAPI:Invalid key" in capsys.readouterr().err


# --- end to end against the simulator --------------------------------------------------------


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=9, rate=50) as simulator:
        yield simulator


def sim_environ(sim: Simulator, config_home: Path) -> dict[str, str]:
    """Every command pointed at the simulator through the environment, as a user would."""
    return {
        "SPOTSTREAM_KRAKEN_PUBLIC_URL": sim.urls["public"],
        "SPOTSTREAM_KRAKEN_PRIVATE_URL": sim.urls["private"],
        "SPOTSTREAM_KRAKEN_L3_URL": sim.urls["l3"],
        "SPOTSTREAM_KRAKEN_REST_URL": sim.urls["rest"],
        "KRAKEN_API_KEY": TEST_ACCOUNT.api_key,
        "KRAKEN_API_SECRET": TEST_ACCOUNT.api_secret,
        "XDG_CONFIG_HOME": str(config_home),
    }


@pytest.fixture
def sim_env(sim: Simulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    environ = sim_environ(sim, tmp_path)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return environ


async def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``main`` in a worker thread (its own loop) while the simulator serves on this one."""
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ndjson(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


async def test_watch_balances_json_end_to_end(
    sim_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await cli(capsys, "watch", "balances", "--json", "--duration", "2")
    assert code == 0, err
    lines = ndjson(out)
    snapshot = {line["data"]["asset"]: line["data"] for line in lines if line["type"] == "Balance"}
    assert Decimal(snapshot["USD"]["balance"]) == TEST_ACCOUNT.balances["USD"]
    assert Decimal(snapshot["BTC"]["balance"]) == TEST_ACCOUNT.balances["BTC"]
    assert all(line["channel"] == "balances" for line in lines)


async def test_watch_level3_json_end_to_end(
    sim_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["watch", "level3", "BTC/USD", "--depth", "10", "--json", "--duration", "2"]
    code, out, err = await cli(capsys, *argv)
    assert code == 0, err
    lines = ndjson(out)
    assert lines
    assert all(line["status"] == "synced" for line in lines)
    last = lines[-1]
    assert last["counters"]["checksum_mismatches"] == 0
    assert last["counters"]["checksums_verified"] >= len(lines)
    assert last["orders"] >= sum(level["orders"] for level in last["bids"] + last["asks"])
    assert all(level["orders"] >= 1 for level in last["bids"])
    Decimal(last["bids"][0]["price"])


async def test_watch_executions_live_view_end_to_end(
    sim_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await cli(capsys, "watch", "executions", "--duration", "2")
    assert code == 0, err
    assert "open orders (0)" in out
    assert "events 0" in " ".join(out.split())


async def _line(proc: asyncio.subprocess.Process) -> dict[str, Any]:
    assert proc.stdout is not None
    async with asyncio.timeout(20):
        raw = await proc.stdout.readline()
    assert raw, "the watch ended early"
    parsed: dict[str, Any] = json.loads(raw)
    return parsed


async def _until(
    proc: asyncio.subprocess.Process, wanted: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    while not wanted(line := await _line(proc)):
        pass
    return line


async def test_watch_executions_follows_orders_and_reconciles_end_to_end(
    sim: Simulator,
    sim_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A running ``watch executions --json`` (its own process) sees orders placed, amended
    and cancelled by ``spotstream order``, and a Reconciliation after a sequence gap and
    after a reconnect."""
    async with (
        KrakenSocketClient(url=sim.urls["public"]) as client,
        client.spot.order_book("BTC/USD", depth=10) as book,
    ):
        bid = book.best_bid
    assert bid is not None
    price = str((bid.price * Decimal("0.8")).quantize(Decimal("0.1")))
    code, out, err = await cli(capsys, "order", "add", "BTC/USD", "buy", "limit", "0.01",
                               "--limit-price", price, "--json")  # fmt: skip
    assert code == 0, err
    first = json.loads(out)["result"]["order_id"]

    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "spotstream", "watch", "executions", "--json"),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, **sim_env},
    )
    try:
        snap = await _until(proc, lambda line: line["kind"] == "snapshot")
        assert snap["data"]["order_id"] == first  # subscribed: the snapshot shows it

        code, out, err = await cli(capsys, "order", "amend", first, "--order-qty", "0.02")
        assert code == 0, err
        amended = await _until(proc, lambda line: line["data"].get("exec_type") == "amended")
        assert amended["data"]["order_id"] == first

        sim.faults.skip_next_sequence()  # the next executions message jumps: a gap
        code, out, err = await cli(capsys, "order", "cancel", first)
        assert code == 0, err
        rec = await _until(proc, lambda line: line["type"] == "Reconciliation")
        assert rec["data"]["reason"] == "sequence_gap"
        assert [o["order_id"] for o in rec["data"]["closed"]] == [first]

        sim.faults.drop_private_connections()
        rec = await _until(proc, lambda line: line["type"] == "Reconciliation")
        assert rec["data"]["reason"] == "reconnect"
        proc.send_signal(signal.SIGINT)  # Ctrl-C: a clean stop
        async with asyncio.timeout(15):
            assert await proc.wait() == 130
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_coinex_credentials_from_the_environment_then_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spotstream.cli.credentials import load_coinex_credentials

    env = {"XDG_CONFIG_HOME": str(tmp_path), "COINEX_ACCESS_ID": "AID1", "COINEX_SECRET_KEY": "S1"}
    assert load_coinex_credentials(environ=env).access_id == "AID1"
    del env["COINEX_ACCESS_ID"], env["COINEX_SECRET_KEY"]
    with pytest.raises(InvalidCredentialsError, match=r"coinex\.toml"):
        load_coinex_credentials(environ=env)
    path = tmp_path / "spotstream" / "coinex.toml"
    path.parent.mkdir()
    path.write_text('access_id = "AID2"\nsecret_key = "S2"\n')
    path.chmod(0o644)
    with pytest.raises(InvalidCredentialsError, match="too open"):
        load_coinex_credentials(environ=env)
    path.chmod(0o600)
    credentials = load_coinex_credentials(environ=env)
    assert credentials.access_id == "AID2"
    assert "S2" not in repr(credentials)
