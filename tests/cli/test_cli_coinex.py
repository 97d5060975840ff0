"""The CLI on CoinEx (``--exchange coinex``): the offline demo and ``watch`` against a
simulator process; endpoints from the environment."""

from __future__ import annotations

import argparse
import json

import pytest

from spotstream.cli import build_parser, main
from spotstream.cli.credentials import resolve_endpoints
from spotstream.coinex.endpoints import COINEX_REST_URL, COINEX_V2_URL


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_demo_on_coinex_ends_with_the_same_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--exchange", "coinex", "--duration", "1.5", "--json"]) == 0
    summary = _lines(capsys.readouterr().out)[-1]
    assert summary["symbols"] == ["BTCUSDT", "ETHUSDT"]
    assert summary["checksums_verified"] > 0  # type: ignore[operator]
    assert summary["checksum_mismatches"] == 0
    assert summary["books_synced"] is True
    assert summary["tickers"] > 0  # type: ignore[operator]


def test_watch_book_and_ticker_on_coinex(
    sim_process: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = sim_process["coinex_v2"]
    common = ["--exchange", "coinex", "--url", url, "--json", "--duration", "1"]
    assert main(["watch", "book", "BTCUSDT", "ETH/USDT", "--depth", "20", *common]) == 0
    books = _lines(capsys.readouterr().out)
    assert {b["symbol"] for b in books} == {"BTCUSDT", "ETHUSDT"}
    assert all(b["status"] == "synced" for b in books)
    assert books[-1]["counters"]["checksum_mismatches"] == 0  # type: ignore[index]
    assert main(["watch", "ticker", "BTCUSDT", *common]) == 0
    tickers = _lines(capsys.readouterr().out)
    assert tickers
    assert tickers[0]["data"]["bid"] is None  # type: ignore[index]
    assert isinstance(tickers[0]["data"]["open"], str)  # type: ignore[index]


def test_watch_on_coinex_v1_and_candles_on_both(
    sim_process: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    v1 = ["--exchange", "coinex", "--api", "v1", "--url", sim_process["coinex_v1"]]
    common = ["--json", "--duration", "1"]
    assert main(["watch", "book", "BTCUSDT", "ETHUSDT", "--depth", "10", *v1, *common]) == 0
    books = _lines(capsys.readouterr().out)
    assert {b["symbol"] for b in books} == {"BTCUSDT", "ETHUSDT"}
    assert all(b["status"] == "synced" for b in books)
    assert main(["watch", "ticker", "BTCUSDT", "ETHUSDT", *v1, *common]) == 0
    assert {t["symbol"] for t in _lines(capsys.readouterr().out)} == {"BTCUSDT", "ETHUSDT"}
    assert main(["watch", "ohlc", "BTCUSDT", "--interval", "5", *v1, *common]) == 0
    candles = _lines(capsys.readouterr().out)
    assert candles
    assert candles[0]["data"]["interval"] == 5  # type: ignore[index]
    v2 = ["--exchange", "coinex", "--url", sim_process["coinex_v2"]]
    rest = ["--rest-url", sim_process["coinex_rest"]]
    assert main(["watch", "ohlc", "BTCUSDT", *v2, *rest, *common]) == 0  # REST-polled
    assert _lines(capsys.readouterr().out)[0]["data"]["symbol"] == "BTCUSDT"  # type: ignore[index]


def test_watch_refuses_what_coinex_lacks(
    sim_process: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = sim_process["coinex_v2"]
    args = ["watch", "book", "BTCUSDT", "--depth", "25", "--exchange", "coinex", "--url", url]
    assert main(args) == 2
    assert "depth must be one of" in capsys.readouterr().err


def test_coinex_endpoints_come_from_the_environment() -> None:
    args = build_parser().parse_args(["watch", "ticker", "BTCUSDT", "--exchange", "coinex"])
    resolve_endpoints(args, environ={})
    assert (args.url, args.rest_url) == (COINEX_V2_URL, COINEX_REST_URL)
    args = argparse.Namespace(exchange="coinex", url=None, rest_url=None)
    env = {"SPOTSTREAM_COINEX_V2_URL": "ws://h/v2", "SPOTSTREAM_COINEX_REST_URL": "http://h/c"}
    resolve_endpoints(args, environ=env)
    assert (args.url, args.rest_url) == ("ws://h/v2", "http://h/c")
    args = argparse.Namespace(exchange="coinex", api="v1", url=None, rest_url=None)
    resolve_endpoints(args, environ={"SPOTSTREAM_COINEX_V1_URL": "ws://h/"})
    assert args.url == "ws://h/"
    args = argparse.Namespace(exchange="coinex", api="v1", url=None, rest_url=None)
    resolve_endpoints(args, environ={})
    assert args.url == "wss://socket.coinex.com/"
