"""The per-connection websocket message rate limit: a token bucket per connection.

Every complete message a client sends (a request, a ``ping`` too) takes one token; the bucket
holds ``capacity`` tokens and refills ``per_second`` a second, on the simulator's clock (so a
:class:`~spotstream.simulator.server.ManualClock` makes it deterministic). A message that
finds the bucket empty is not executed: the connection answers it with its venue's refusal
(:attr:`~spotstream.simulator.endpoints.Endpoint.throttled`). Tokens are counted in
billionths, so the arithmetic stays in integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

NS_PER_S = 1_000_000_000


@dataclass(frozen=True, slots=True)
class MessageRate:
    """A bucket of ``capacity`` messages refilled at ``per_second`` messages a second."""

    capacity: int = 40
    per_second: int = 20

    def __post_init__(self) -> None:
        if self.capacity < 1 or self.per_second < 1:
            raise ValueError(f"message rate must be positive, not {self!r}")


DEFAULT_MESSAGE_RATE = MessageRate()
"""On by default: 40 messages at once, 20 a second after (a client pacing itself at 20 burst
and 10 a second never meets it)."""


class TokenBucket:
    """One connection's bucket; starts full at ``now_ns``."""

    __slots__ = ("_limit", "_since", "_tokens")

    def __init__(self, limit: MessageRate, now_ns: int) -> None:
        self._limit = limit
        self._tokens = limit.capacity * NS_PER_S
        self._since = now_ns

    def take(self, now_ns: int) -> bool:
        """Take one token at ``now_ns``; ``False`` (and nothing taken) when none is left."""
        limit = self._limit
        elapsed = max(0, now_ns - self._since)
        self._since = max(self._since, now_ns)
        self._tokens = min(limit.capacity * NS_PER_S, self._tokens + elapsed * limit.per_second)
        if self._tokens < NS_PER_S:
            return False
        self._tokens -= NS_PER_S
        return True


def peek(payload: bytes, method_key: str, id_key: str) -> tuple[str | None, int | None]:
    """The method (a string) and request id (an integer) of a refused request, as far as
    they can be read; ``None`` for what cannot."""
    try:
        message: Any = msgspec.json.decode(payload)
    except msgspec.MsgspecError:
        return None, None
    if not isinstance(message, dict):
        return None, None
    method, request_id = message.get(method_key), message.get(id_key)
    return (
        method if isinstance(method, str) else None,
        request_id if type(request_id) is int else None,
    )
