"""The 30-second soak, as CI runs it: the CLI entry point in-process, its last stdout line
parsed. Every counter asserted (memory only reported)."""

from __future__ import annotations

import json

import pytest

from spotstream.cli import main
from spotstream.soak import SUMMARY_KEYS


def test_a_30_second_soak_of_every_venue_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "soak", "--duration", "30", "--json", "--seed", "1"])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    print(summary)  # the figures, memory included, in the test log
    assert set(SUMMARY_KEYS) <= set(summary)
    assert all(type(summary[k]) is int for k in SUMMARY_KEYS if k != "peak_rss_mb")
    assert isinstance(summary["peak_rss_mb"], float)
    assert summary["error"] is None
    assert summary["faults_injected"] > 0
    assert summary["book_checks"] > 0
    assert summary["fills"] > 0
    for key in (
        "lost_subscriptions",
        "wrong_books",
        "stuck_books",
        "duplicate_orders",
        "duplicate_fills",
        "unhandled_exceptions",
    ):
        assert summary[key] == 0, (key, summary)
    assert summary["gaps_detected"] == summary["gaps_reconciled"]
    assert set(summary["venues"]) == {"kraken_v2", "kraken_v1", "coinex_v2", "coinex_v1"}
    assert code == 0
