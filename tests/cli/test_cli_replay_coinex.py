"""``spotstream replay --exchange coinex``: CoinEx v2 pushes one JSON text per line, every
push verified (full ones too), a corrupted checksum counted with its line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spotstream.cli import main

RECORDING = "coinex-v2/depth-BTCUSDT-10.jsonl"


def replay(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict[str, Any]]:
    code = main(["replay", str(path), "--exchange", "coinex", "--json"])
    return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_every_push_of_the_recording_is_verified(
    captures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, summary = replay(capsys, captures / RECORDING)
    assert code == 0
    assert summary["frames"] == 203
    assert summary["book_messages"] == 201
    assert summary["checksums_verified"] == 201
    assert summary["checksum_mismatches"] == 0
    assert summary["symbols"] == ["BTCUSDT"]
    assert summary["unhandled"] == 0


def test_a_corrupted_checksum_is_counted_with_its_line(
    captures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = (captures / RECORDING).read_text().splitlines()
    push = json.loads(lines[49])
    push["data"]["depth"]["checksum"] ^= 1
    lines[49] = json.dumps(push)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    code, summary = replay(capsys, bad)
    assert code == 1
    assert summary["checksum_mismatches"] == 1
    assert summary["mismatch_lines"] == [50]
    assert summary["untrusted_updates"] > 0  # until the next full push: none here


def test_the_book_starts_at_its_first_full_push(
    captures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = (captures / RECORDING).read_text().splitlines()
    later = tmp_path / "later.jsonl"
    later.write_text("\n".join(lines[5:] + lines[1:2]) + "\n")  # updates first, then a full
    code, summary = replay(capsys, later)
    assert code == 0
    assert summary["checksums_verified"] == 1
    assert summary["untrusted_updates"] == 197  # the incremental pushes before it
    assert summary["unhandled"] == 0


def test_a_file_with_no_coinex_frame_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\nworld\n")
    assert main(["replay", str(junk), "--exchange", "coinex"]) == 2
    assert "no CoinEx frame recognised" in capsys.readouterr().err
