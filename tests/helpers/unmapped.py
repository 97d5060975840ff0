"""Find JSON keys that a decoded msgspec Struct has no field for.

msgspec ignores unknown keys, which keeps the wire models forward compatible but also hides
fields we forgot to model. :func:`unmapped_paths` walks the JSON document and the decoded
value side by side and reports every key (or array-like element) that landed nowhere:
through nested Structs, lists, dicts and ``msgspec.Raw`` payloads, which are decoded with
the typed decoder that ``resolve_raw`` names for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

RawResolver = Callable[[msgspec.Struct, str], "msgspec.json.Decoder[Any] | None"]
"""Given the Struct that holds a ``Raw`` field and the field's name, the decoder for it."""


def unmapped_paths(
    document: Any, decoded: Any, resolve_raw: RawResolver | None = None, path: str = "$"
) -> list[str]:
    """JSONPath-like locations in ``document`` that ``decoded`` does not account for."""
    walker = _Walker(resolve_raw)
    walker.walk(document, decoded, path)
    return walker.problems


def assert_fully_mapped(
    frame: bytes | str, decoded: Any, resolve_raw: RawResolver | None = None
) -> None:
    """Fail, listing the unmapped locations, if any key of ``frame`` has no field."""
    problems = unmapped_paths(json.loads(frame), decoded, resolve_raw)
    assert not problems, f"unmapped by {type(decoded).__name__}: {problems}"


class _Walker:
    def __init__(self, resolve_raw: RawResolver | None) -> None:
        self.resolve_raw = resolve_raw
        self.problems: list[str] = []

    def walk(self, document: Any, decoded: Any, path: str) -> None:
        if isinstance(decoded, msgspec.Struct):
            self._struct(document, decoded, path)
        elif isinstance(decoded, list | tuple):
            self._sequence(document, decoded, path)
        elif isinstance(decoded, Mapping):
            self._mapping(document, decoded, path)
        elif isinstance(document, dict | list) and document and decoded is None:
            self.problems.append(f"{path} (content decoded to None)")
        # Scalars (str, int, Decimal, datetime, enums, ...) have nothing left to map.

    def _struct(self, document: Any, decoded: msgspec.Struct, path: str) -> None:
        fields = msgspec.structs.fields(type(decoded))
        config = decoded.__struct_config__
        if config.array_like:
            self._array_like(document, decoded, fields, path)
            return
        by_key = {f.encode_name: f.name for f in fields}
        for key, value in document.items():
            if key == config.tag_field:
                continue
            where = f"{path}.{key}"
            if key not in by_key:
                self.problems.append(where)
                continue
            self._field(value, decoded, by_key[key], where)

    def _array_like(
        self,
        document: list[Any],
        decoded: msgspec.Struct,
        fields: tuple[msgspec.structs.FieldInfo, ...],
        path: str,
    ) -> None:
        offset = 1 if decoded.__struct_config__.tag_field is not None else 0
        for index, value in enumerate(document):
            where = f"{path}[{index}]"
            if index < offset:
                continue
            if index - offset >= len(fields):
                self.problems.append(where)
                continue
            self._field(value, decoded, fields[index - offset].name, where)

    def _field(self, document: Any, owner: msgspec.Struct, name: str, path: str) -> None:
        value = getattr(owner, name)
        if isinstance(value, msgspec.Raw):
            decoder = self.resolve_raw(owner, name) if self.resolve_raw else None
            if decoder is None:
                self.problems.append(f"{path} (Raw with no typed decoder)")
                return
            value = decoder.decode(value)
        self.walk(document, value, path)

    def _sequence(self, document: Any, decoded: list[Any] | tuple[Any, ...], path: str) -> None:
        assert isinstance(document, list), f"{path}: a JSON array decoded from {document!r}"
        assert len(document) == len(decoded), f"{path}: lengths differ"
        for index, (item, value) in enumerate(zip(document, decoded, strict=True)):
            self.walk(item, value, f"{path}[{index}]")

    def _mapping(self, document: Any, decoded: Mapping[Any, Any], path: str) -> None:
        assert isinstance(document, dict), f"{path}: a mapping decoded from {document!r}"
        for (key, item), value in zip(document.items(), decoded.values(), strict=True):
            self.walk(item, value, f"{path}.{key}")
