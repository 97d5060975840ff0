"""The soak's summary: every key the issue asks for, integers, and what "clean" means."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from spotstream.cli import main
from spotstream.soak import SUMMARY_KEYS, Summary
from spotstream.soak.memory import ThirdsSampler, peak_rss_mb, rss_mb
from spotstream.soak.summary import duplicate_orders
from spotstream.soak.watchers import GapLedger


def test_every_key_is_present_and_an_integer_when_nothing_happened() -> None:
    data = json.loads(json.dumps(Summary().as_dict()))
    assert set(SUMMARY_KEYS) <= set(data)
    for key in SUMMARY_KEYS:
        expected = float if key == "peak_rss_mb" else int
        assert type(data[key]) is expected, key
        assert data[key] == 0


def test_clean_needs_faults_and_no_failure() -> None:
    assert not Summary().clean()  # no fault injected: nothing proven
    assert Summary(faults_injected=3, gaps_detected=2, gaps_reconciled=2).clean()
    for failure in (
        {"lost_subscriptions": 1},
        {"wrong_books": 1},
        {"stuck_books": 1},
        {"duplicate_orders": 1},
        {"duplicate_fills": 1},
        {"unhandled_exceptions": 1},
        {"gaps_detected": 1},
        {"error": "RuntimeError: boom"},
    ):
        assert not Summary(faults_injected=3, **failure).clean(), failure  # type: ignore[arg-type]


def test_faults_by_kind_are_listed_sorted() -> None:
    summary = Summary(faults=Counter({"stall": 2, "corrupt_checksum": 5}))
    assert list(summary.as_dict()["faults"]) == ["corrupt_checksum", "stall"]


def test_gaps_count_as_reconciled_once_their_channel_reconciles() -> None:
    gaps = GapLedger()
    gaps.gap("executions")
    gaps.gap("executions")
    gaps.gap("ownTrades")
    gaps.reconciliation("executions")
    gaps.reconciliation("balances")  # a reconnect's: no gap pending there
    assert (gaps.detected, gaps.reconciled) == (3, 2)
    gaps.reconciliation("ownTrades")
    assert gaps.reconciled == 3


def test_memory_figures() -> None:
    assert peak_rss_mb() > 0
    assert rss_mb() > 0
    thirds = ThirdsSampler(9.0)
    for elapsed, value in ((0.0, 10.0), (2.9, 12.0), (4.0, 30.0), (8.9, 11.0), (20.0, 13.0)):
        thirds.sample(elapsed, value)
    assert thirds.peaks == [12.0, 30.0, 13.0]


def test_the_json_line_comes_even_when_the_soak_breaks(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def broken(options: object) -> Summary:
        raise RuntimeError("boom")

    monkeypatch.setattr("spotstream.soak.run_soak", broken)
    assert main(["bench", "soak", "--duration", "1", "--json"]) == 1
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(SUMMARY_KEYS) <= set(line)
    assert line["error"] == "RuntimeError: boom"


def test_duplicate_orders_are_placements_no_call_explains() -> None:
    assert duplicate_orders(placed=10, calls=10, refused=0) == 0
    assert duplicate_orders(placed=8, calls=10, refused=2) == 0
    assert duplicate_orders(placed=9, calls=10, refused=2) == 1  # a refused call placed one
    assert duplicate_orders(placed=7, calls=10, refused=0) == 0  # lost answers, no order
