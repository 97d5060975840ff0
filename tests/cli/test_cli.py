"""The command line, run as users run it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from spotstream.cli import build_parser, main
from spotstream.simulator import TEST_ACCOUNT

ENCODER = msgspec.json.Encoder(decimal_format="number")


def _v2_book_frames(captures: Path) -> list[bytes]:
    doc = json.loads(
        (captures / "python-kraken-sdk/orderbook-v2.json").read_text(), parse_float=Decimal
    )
    messages = [doc["init"], *doc["updates"]]
    return [ENCODER.encode(m) for m in messages]


@pytest.fixture
def recording(tmp_path: Path, captures: Path) -> Path:
    """Instrument snapshot on line 1, then the 510 book frames, then noise."""
    instrument = (captures / "kraken-data-recorder/instrument_snapshot.json").read_bytes()
    frames = [msgspec.json.encode(msgspec.json.decode(instrument)), *_v2_book_frames(captures)]
    frames.append(b'{"channel":"heartbeat"}')
    frames.append(b"not json at all")
    path = tmp_path / "recording.jsonl"
    path.write_bytes(b"\n".join(frames) + b"\n")
    return path


def _last_json(out: str) -> dict[str, object]:
    result = json.loads(out.strip().splitlines()[-1])
    assert isinstance(result, dict)
    return result


def test_replay_verifies_every_checksum(
    recording: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(recording), "--json"]) == 0
    summary = _last_json(capsys.readouterr().out)
    assert summary["frames"] == 513
    assert summary["book_messages"] == 510
    assert summary["checksums_verified"] == 510
    assert summary["checksum_mismatches"] == 0
    assert summary["unhandled"] == 1  # the garbage line; the heartbeat is understood


def test_replay_reports_mismatch_lines_and_distrusts_until_snapshot(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = recording.read_bytes().splitlines()
    line_no = 101  # a book update (line 1 is the instrument snapshot, line 2 the book snapshot)
    message = msgspec.json.decode(lines[line_no - 1])
    message["data"][0]["checksum"] ^= 1
    lines[line_no - 1] = msgspec.json.encode(message)
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"\n".join(lines) + b"\n")
    assert main(["replay", str(broken), "--json"]) == 1
    summary = _last_json(capsys.readouterr().out)
    assert summary["checksum_mismatches"] == 1
    assert summary["mismatch_lines"] == [line_no]
    assert summary["checksums_verified"] == line_no - 2  # snapshot + updates before it
    assert summary["untrusted_updates"] == 511 - line_no


def test_replay_without_instrument_needs_precisions(
    tmp_path: Path, captures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "book-only.jsonl"
    path.write_bytes(b"\n".join(_v2_book_frames(captures)) + b"\n")
    args = ["replay", str(path), "--json", "--price-precision", "1", "--qty-precision", "8"]
    assert main(args) == 0
    assert _last_json(capsys.readouterr().out)["checksums_verified"] == 510


def test_replay_human_output(recording: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(recording)]) == 0
    out = capsys.readouterr().out
    assert "checksums verified 510" in out
    assert "mismatches 0" in out


def test_demo_json_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--duration", "1.5", "--json", "--rate", "100"]) == 0
    summary = _last_json(capsys.readouterr().out)
    assert summary["book_updates"] > 0  # type: ignore[operator]
    assert summary["checksums_verified"] == summary["book_updates"] + 3  # type: ignore[operator]
    assert summary["checksum_mismatches"] == 0
    assert summary["books_synced"] is True
    trading = summary["trading"]
    assert isinstance(trading, dict)
    assert trading["orders_placed"] >= 1  # the demo bot quoted on the test account
    assert trading["order_updates"] >= 2  # ... and saw it on the executions feed
    assert trading["refused"] == 0


def test_demo_without_trading(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--duration", "0.5", "--json", "--no-trade"]) == 0
    summary = _last_json(capsys.readouterr().out)
    assert "trading" not in summary
    assert summary["checksum_mismatches"] == 0


def test_sim_json_line_schema(sim_line: dict[str, Any]) -> None:
    """The line's schema is fixed for every later venue: these keys first, never renamed."""
    assert list(sim_line)[:5] == ["urls", "seed", "rate", "api_key", "api_secret"]
    urls = sim_line["urls"]
    origin = urls["rest"].removeprefix("http://")
    assert list(urls)[:6] == [
        "public",
        "private",
        "l3",
        "rest",
        "kraken_v1_public",
        "kraken_v1_private",
    ]
    assert urls["public"] == f"ws://{origin}/v2"
    assert urls["private"] == f"ws://{origin}/auth/v2"
    assert urls["l3"] == f"ws://{origin}/l3/v2"
    assert urls["kraken_v1_public"] == f"ws://{origin}/"
    assert urls["kraken_v1_private"] == f"ws://{origin}/auth"
    assert list(urls)[6:] == ["coinex_v2", "coinex_rest", "coinex_v1"]
    assert urls["coinex_v2"] == f"ws://{origin}/coinex/v2/spot"
    assert urls["coinex_v1"] == f"ws://{origin}/coinex/"
    assert urls["coinex_rest"] == f"http://{origin}/coinex"
    assert list(sim_line)[5:7] == ["coinex_access_id", "coinex_secret_key"]
    assert "tls_cert" not in sim_line  # only with --tls
    assert (sim_line["seed"], sim_line["rate"]) == (5, "100")
    assert sim_line["api_key"] == TEST_ACCOUNT.api_key
    assert sim_line["api_secret"] == TEST_ACCOUNT.api_secret


def test_sim_prints_urls_and_watch_streams_ndjson(
    sim_process: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = sim_process["public"]
    assert url.startswith("ws://127.0.0.1:")
    args = ["watch", "ticker", "BTC/USD", "ETH/USD", "--url", url, "--json", "--duration", "1"]
    assert main(args) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    assert events
    assert {e["symbol"] for e in events} == {"BTC/USD", "ETH/USD"}
    first = events[0]
    assert first["channel"] == "ticker"
    assert isinstance(first["data"]["bid"], str)  # exact: Decimals are strings in NDJSON
    Decimal(first["data"]["bid"])


def test_watch_book_json(sim_process: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    url = sim_process["public"]
    args = ["watch", "book", "BTC/USD", "--depth", "25", "--url", url, "--json", "--duration", "1"]
    assert main(args) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    assert lines
    assert all(line["status"] == "synced" for line in lines)
    assert lines[-1]["counters"]["checksum_mismatches"] == 0
    assert len(lines[-1]["bids"]) == 10


def test_sim_and_the_exchange_commands_take_their_flags() -> None:
    parser = build_parser()
    assert parser.parse_args(["sim", "--tls"]).tls is True
    assert parser.parse_args(["sim"]).tls is False
    assert parser.parse_args(["demo", "--api", "v1"]).api == "v1"
    assert parser.parse_args(["watch", "ticker", "BTC/USD"]).api == "v2"
    with pytest.raises(SystemExit):
        parser.parse_args(["watch", "ticker", "BTC/USD", "--api", "v3"])


def test_demo_over_kraken_v1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--api", "v1", "--duration", "1.5", "--json", "--rate", "100"]) == 0
    summary = _last_json(capsys.readouterr().out)
    assert summary["book_updates"] > 0  # type: ignore[operator]
    assert summary["checksums_verified"] == summary["book_updates"]  # v1 snapshots: no "c"
    assert summary["checksum_mismatches"] == 0
    assert summary["books_synced"] is True
    trading = summary["trading"]
    assert isinstance(trading, dict)
    assert trading["orders_placed"] >= 1  # quoted over v1's addOrder
    assert trading["order_updates"] >= 2  # ... and seen on openOrders
    assert trading["refused"] == 0


def test_watch_over_kraken_v1(
    sim_process: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, rest = sim_process["kraken_v1_public"], sim_process["rest"]
    args = ["watch", "book", "XBT/USD", "--api", "v1", "--url", url, "--rest-url", rest]
    assert main([*args, "--json", "--duration", "1"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    assert lines
    assert {line["symbol"] for line in lines} == {"BTC/USD"}
    assert lines[-1]["counters"]["checksum_mismatches"] == 0
