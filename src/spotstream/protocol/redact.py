"""Secrets never shown: the reprs of wire objects that carry a session token or a signature.

Error reporters (Sentry, rich tracebacks, ``pytest --showlocals``) record the reprs of local
variables, and a request Struct or an outgoing frame is a local variable of every send. So
every Struct with a secret field (:data:`SECRET_FIELDS`), or with request ``params`` that may
hold one, gets :func:`redacted_repr`: the secret's value is replaced by :data:`MARK`. A
module calls :func:`redact_module` on its namespace once its classes are defined. Logged
frames pass :class:`RedactingFilter` (the websockets transport's logger has it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import msgspec

SECRET_FIELDS = frozenset(
    {"token", "signed_str", "authorization", "secret_key", "api_secret", "signature"}
)
MARK = "<redacted>"
_SIGNED_METHODS = frozenset({"server.sign"})  # CoinEx: its params are the signature


def redacted_repr(self: msgspec.Struct) -> str:
    method = getattr(self, "method", None)
    parts = []
    for name in self.__struct_fields__:
        value = getattr(self, name)
        if (name in SECRET_FIELDS and value is not None) or (
            name == "params" and method in _SIGNED_METHODS
        ):
            shown = MARK
        else:
            shown = safe_repr(value)
        parts.append(f"{name}={shown}")
    return f"{type(self).__name__}({', '.join(parts)})"


def safe_repr(value: object) -> str:
    """``repr(value)`` with the secrets of a mapping's entries (or a list of them) hidden."""
    if isinstance(value, Mapping):
        items = (f"{k!r}: {MARK if k in SECRET_FIELDS else safe_repr(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(safe_repr(v) for v in value) + "]"
    return repr(value)


def redact_module(namespace: Mapping[str, Any]) -> None:
    """Give every Struct class of ``namespace`` that may carry a secret the redacted repr."""
    for obj in namespace.values():
        if isinstance(obj, type) and issubclass(obj, msgspec.Struct):
            fields = set(obj.__struct_fields__)
            if fields & SECRET_FIELDS or "params" in fields:
                obj.__repr__ = redacted_repr  # type: ignore[method-assign,assignment]


_SECRET_VALUE = re.compile(
    rb'("(?:' + b"|".join(f.encode() for f in sorted(SECRET_FIELDS)) + rb')"\s*:\s*")[^"]*(")'
)
_SIGNED_PARAMS = re.compile(rb'("method"\s*:\s*"server\.sign"\s*,\s*"params"\s*:\s*)\[[^\]]*\]')


def redact_text(text: str) -> str:
    """``text`` (a logged frame) with every secret value replaced by :data:`MARK`."""
    raw = text.encode("utf-8", "surrogateescape")
    raw = _SECRET_VALUE.sub(rb"\1" + MARK.encode() + rb"\2", raw)
    raw = _SIGNED_PARAMS.sub(rb"\1" + b'"' + MARK.encode() + b'"', raw)
    return raw.decode("utf-8", "surrogateescape")


_SENT_FRAME = re.compile(r"^(> \w+) .*?(\[\d+ bytes\])?$", re.DOTALL)


class RedactingFilter(logging.Filter):
    """A logging filter for a library's own DEBUG output of the frames it exchanges (e.g.
    ``websockets``): a frame sent is shown as its kind and size only (the library may cut
    it short, so a secret in it could not be told apart), and secrets are redacted from
    every other message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        sent = _SENT_FRAME.match(message)
        if sent is not None:
            record.msg, record.args = f"{sent[1]} {MARK} {sent[2] or ''}".rstrip(), None
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
