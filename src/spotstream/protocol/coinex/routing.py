"""How every CoinEx connection's protocol (v1 and v2, public and private) turns one JSON
text into events, sans-I/O: one typed decoder for its pushes (a tagged union by ``method``),
a handler per push type, and what no push type matches (an answer, or an unknown or
unreadable push) left to the version's :meth:`RoutedPushes._receive_other`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from spotstream.protocol.core import ProtocolCore
from spotstream.protocol.events import Event

Handler = Callable[[Any, Any], list[Event]]


class RoutedPushes(ProtocolCore):
    """Subclasses set ``_decoder`` and ``_routes`` (push type -> handler) and implement
    :meth:`_receive_other`."""

    _decoder: msgspec.json.Decoder[Any]
    _routes: dict[type, Handler]

    def _route(self, text: Any) -> list[Event]:
        """One JSON text into events. Never raises: a frame that is no JSON is
        ``malformed``, and any exception while handling one is counted under its method."""
        try:
            try:
                msg = self._decoder.decode(text)
            except msgspec.ValidationError as exc:
                return self._receive_other(text, str(exc))
            except msgspec.DecodeError as exc:
                return [self._unhandled("malformed", str(exc), text)]
            return self._routes[type(msg)](msg, text)
        except Exception as exc:
            return [self._internal(method_name(text), exc, text)]

    def _receive_other(self, text: Any, why: str) -> list[Event]:
        """Not a push the decoder knows: an answer, or an unreadable or unknown push."""
        raise NotImplementedError


_ENVELOPE = msgspec.json.Decoder(dict[str, msgspec.Raw])


def envelope_field(text: bytes | str, *path: str) -> Any:
    """Best-effort value at ``path`` (object keys) in a frame that may not decode whole: each
    object on the way is read with its values left raw, so that a value no decoder can hold
    elsewhere (``1E+999``, a number out of range) does not hide the method or the market.
    ``None`` when there is no such value."""
    try:
        raw: Any = text
        for key in path:
            raw = _ENVELOPE.decode(raw).get(key)
            if raw is None:
                return None
        return msgspec.json.decode(raw)
    except msgspec.MsgspecError:
        return None


def method_name(text: bytes | str) -> str:
    """Best-effort name of an unreadable frame's method, for counting."""
    try:
        _ENVELOPE.decode(text)
    except msgspec.MsgspecError:
        return "malformed"
    return str(envelope_field(text, "method") or "response")
