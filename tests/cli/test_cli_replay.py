"""``spotstream replay`` on every recording format: v1 and v2 checksums, tampering, garbage."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from spotstream.cli import main

V1_CAPTURES = {
    "cryptofeed/KRAKEN.ws.50.0": ("cryptofeed", 4_269, 10),
    "cryptofeed/KRAKEN-c197c0.0": ("cryptofeed", 14_496, 10),
    "python-kraken-sdk/orderbook-v1.json": ("python-kraken-sdk", 979, 1),
    "python-kraken-sdk/orderbook.json": ("python-kraken-sdk", 110, 1),
}
_CHECKSUM = re.compile(rb'"c":"(\d+)"')


def replay(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["replay", *args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize(("name", "expected"), V1_CAPTURES.items())
def test_every_v1_checksum_of_the_captures_is_reproduced(
    captures: Path, capsys: pytest.CaptureFixture[str], name: str, expected: tuple[str, int, int]
) -> None:
    kind, checksums, pairs = expected
    code, summary = replay(capsys, str(captures / name))
    assert code == 0
    assert summary["format"] == kind
    assert summary["checksums_verified"] == checksums
    assert summary["checksum_mismatches"] == summary["unhandled"] == 0
    assert len(summary["symbols"]) == pairs
    assert summary["book_messages"] == checksums + pairs  # and one snapshot per pair


def test_the_v2_fixture_verifies_with_its_pairs_precisions(
    captures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(captures / "python-kraken-sdk/orderbook-v2.json")
    code, summary = replay(capsys, path, "--price-precision", "1", "--qty-precision", "8")
    assert (code, summary["format"], summary["symbols"]) == (0, "python-kraken-sdk", ["BTC/USD"])
    assert (summary["checksums_verified"], summary["checksum_mismatches"]) == (510, 0)


def test_v1_and_v2_frames_mixed_in_one_file(
    captures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def frames(name: str) -> list[bytes]:
        doc = json.loads((captures / "python-kraken-sdk" / name).read_text(), parse_float=Decimal)
        encode = msgspec.json.Encoder(decimal_format="number").encode
        return [encode(m) for m in [doc["init"], *doc["updates"]]]  # init: one message here

    v1, v2 = frames("orderbook.json"), frames("orderbook-v2.json")
    mixed = [frame for pair in zip(v1, v2, strict=False) for frame in pair] + v2[len(v1) :]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(mixed) + b"\n")
    code, summary = replay(capsys, str(path), "--price-precision", "1", "--qty-precision", "8")
    assert (code, summary["format"]) == (0, "frames")
    assert summary["checksums_verified"] == 110 + 510
    assert sorted(summary["symbols"]) == ["BTC/USD", "XBT/USD"]


def test_a_tampered_v1_checksum_is_reported_with_its_line(
    captures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = (captures / "cryptofeed/KRAKEN.ws.50.0").read_bytes().splitlines()
    index = next(i for i, line in enumerate(lines) if _CHECKSUM.search(line))
    lines[index] = _CHECKSUM.sub(
        lambda m: b'"c":"%d"' % ((int(m[1]) + 1) % (1 << 32)), lines[index], count=1
    )
    pair = json.loads(lines[index].split(b": ", 1)[1])[-1]
    later = sum(
        1
        for line in lines[index + 1 :]
        if _CHECKSUM.search(line) and json.loads(line.split(b": ", 1)[1])[-1] == pair
    )
    path = tmp_path / "tampered.0"
    path.write_bytes(b"\n".join(lines) + b"\n")
    code, summary = replay(capsys, str(path))
    assert code == 1
    assert (summary["checksum_mismatches"], summary["mismatch_lines"]) == (1, [index + 1])
    assert summary["untrusted_updates"] == later  # v1 sends no new snapshot
    assert summary["checksums_verified"] == 4_269 - 1 - later


def test_a_tampered_fixture_names_the_message(
    captures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads((captures / "python-kraken-sdk/orderbook.json").read_text())
    doc["updates"][4][1]["c"] = "1"
    path = tmp_path / "orderbook.json"
    path.write_text(json.dumps(doc))
    code, summary = replay(capsys, str(path))
    assert (code, summary["mismatch_lines"]) == (1, [6])  # init is message 1


def test_stdin_is_read(
    captures: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = (captures / "python-kraken-sdk/orderbook.json").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, summary = replay(capsys, "-")
    assert (code, summary["checksums_verified"]) == (0, 110)


def test_human_output_names_the_format(captures: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(captures / "cryptofeed/KRAKEN.ws.50.0")]) == 0
    out = capsys.readouterr().out
    assert "(cryptofeed)" in out
    assert "checksums verified 4269" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no Kraken frame recognised in 0 frames"),
        (bytes(range(256)) * 4, "no Kraken frame recognised"),
        (b"hello\nworld\n", "no Kraken frame recognised in 2 frames"),
        (b'{"init": [], "updates": 5}', "updates is not a list"),
        (b'{"init": 5, "updates": ["x"]}', "no Kraken frame recognised in 2 frames"),
    ],
)
def test_garbage_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    path = tmp_path / "garbage"
    path.write_bytes(content)
    assert main(["replay", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("spotstream replay: ")
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_a_missing_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
