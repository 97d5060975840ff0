"""Structural mutations of JSON messages, for the protocol fuzz tests (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location inside a JSON value (not the root)."""
    if isinstance(value, dict):
        children: Any = value.items()
    elif isinstance(value, list):
        children = enumerate(value)
    else:
        return []
    out = []
    for key, child in children:
        out.append((*prefix, key))
        out += paths(child, (*prefix, key))
    return out


def mutate(message: Any, data: st.DataObject, values: st.SearchStrategy[Any]) -> None:
    """Replace or delete one to three values anywhere in ``message``, or add keys (in place)."""
    for _ in range(data.draw(st.integers(1, 3))):
        where = paths(message)
        if not where:
            return
        *parent_path, key = data.draw(st.sampled_from(where))
        parent = message
        for step in parent_path:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[key]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=6))] = data.draw(values)
        else:
            parent[key] = data.draw(values)
