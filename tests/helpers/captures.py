"""Loading recorded exchange messages from tests/data (see its README)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

_EXACT_NUMBERS = msgspec.json.Encoder(decimal_format="number")


@dataclass(frozen=True)
class CaptureLine:
    """One line of a kraken-async-rs ``*.jsonl`` file: a real message and where it came from."""

    index: int
    label: str
    source: str
    raw: str

    @property
    def message(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.raw)
        return parsed

    @property
    def exact_message(self) -> dict[str, Any]:
        """The message with non-integer numbers as exact Decimals."""
        parsed: dict[str, Any] = json.loads(self.raw, parse_float=Decimal)
        return parsed

    def __str__(self) -> str:
        return f"line {self.index + 1} ({self.label})"


def load_jsonl(path: Path) -> list[CaptureLine]:
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for index, text in enumerate(lines):
        record = json.loads(text)
        out.append(CaptureLine(index, record["label"], record["source"], record["raw"]))
    return out


def find(lines: list[CaptureLine], label: str, contains: str = "") -> CaptureLine:
    """The one line with ``label`` whose raw text contains ``contains``."""
    found = [line for line in lines if line.label == label and contains in line.raw]
    assert len(found) == 1, f"{label!r} containing {contains!r}: {len(found)} lines"
    return found[0]


def with_req_id(raw: str, req_id: int) -> str:
    """The same frame text answering ``req_id`` (captures mostly carry the author's ``0``)."""
    rewritten, count = re.subn(r'"req_id":\d+', f'"req_id":{req_id}', raw)
    assert count == 1, f"expected one req_id in {raw[:80]}"
    return rewritten


def load_decimal_json(path: Path) -> Any:
    """A JSON document with every non-integer number as an exact Decimal."""
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def dumps_exact(obj: Any) -> bytes:
    """JSON text with Decimals written as JSON *numbers* in their exact text (``4.0`` stays
    ``4.0``); ``json.dumps`` can only write a Decimal as a string."""
    return _EXACT_NUMBERS.encode(obj)
