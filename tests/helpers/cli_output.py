"""Reading what CLI commands print."""

from __future__ import annotations

import json
from typing import Any


def only_json(out: str) -> dict[str, Any]:
    """The single JSON object a ``--json`` command printed."""
    lines = out.strip().splitlines()
    assert len(lines) == 1, lines
    parsed: dict[str, Any] = json.loads(lines[0])
    return parsed
