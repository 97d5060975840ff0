"""Reconnect policy: a pure function of the attempt, a random draw and recent history;
and the one classifier of errors that decides whether dialling again can help."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from spotstream.errors import (
    AuthenticationError,
    ConnectionRejectedError,
    InvalidCredentialsError,
)

FATAL_HANDSHAKE_STATUSES = frozenset({401, 403, 404})
"""HTTP answers to the upgrade that dialling again will not change (unauthorized,
forbidden: e.g. an IP ban; no such endpoint)."""


class Verdict(Enum):
    RETRY = "retry"  # dial again, with backoff
    FATAL = "fatal"  # stop dialling: fail what waits; dial again only when called again


def classify(error: BaseException) -> Verdict:
    """Whether a connection error heals by retrying. Pure; the only place that decides.

    Final: a 401/403/404 at the handshake, refused credentials. Everything else (5xx,
    429 and other statuses, network errors, timeouts, resets) is retried with backoff.
    """
    if isinstance(error, ConnectionRejectedError):
        return Verdict.FATAL if error.status in FATAL_HANDSHAKE_STATUSES else Verdict.RETRY
    if isinstance(error, AuthenticationError | InvalidCredentialsError):
        return Verdict.FATAL
    return Verdict.RETRY


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """Exponential backoff with jitter, within an exchange's connection budget.

    A venue behind Cloudflare bans an IP for 10 minutes after ~150 connection attempts in a
    rolling 10 minutes, so close to ``budget`` attempts within ``budget_window`` seconds the
    delay stretches, and :meth:`hold` never lets more than ``budget`` attempts into any
    ``budget_window`` nor more than ``burst`` into any ``burst_window`` (10 in 8 s), whatever
    the servers do. A connection is a success (the backoff starts again from ``initial``)
    only once its streams were restored and it stayed up ``stable_after`` seconds: a server
    that accepts and closes at once is backed off like one that refuses. After a maintenance
    status the delay is at least ``after_maintenance`` seconds.
    """

    initial: float = 0.05
    factor: float = 2.0
    maximum: float = 30.0
    jitter: float = 0.5  # fraction of the delay that is randomised
    budget: int = 150
    budget_window: float = 600.0
    after_maintenance: float = 5.0
    enabled: bool = True
    burst: int = 10
    burst_window: float = 8.0
    stable_after: float = 2.0

    def delay(
        self, attempt: int, draw: float, recent_attempts: int = 0, maintenance: bool = False
    ) -> float:
        """Seconds to wait before connection attempt ``attempt`` (1 = first retry).

        ``draw`` is uniform in [0, 1); ``recent_attempts`` counts attempts within the window.
        """
        base = min(self.maximum, self.initial * self.factor ** max(0, attempt - 1))
        delay = base * (1 - self.jitter) + base * self.jitter * draw
        if recent_attempts >= self.budget * 0.8:  # close to the ban: spread what is left
            delay = max(delay, self.budget_window / self.budget)
        if maintenance:
            delay = max(delay, self.after_maintenance)
        return delay

    def hold(self, attempts: Sequence[float], now: float) -> float:
        """Seconds to wait from ``now`` so that one more attempt keeps both budgets, given
        the clock times of the earlier ``attempts`` (oldest first)."""
        wait = 0.0
        for count, window in ((self.burst, self.burst_window), (self.budget, self.budget_window)):
            if count > 0 and len(attempts) >= count:
                wait = max(wait, attempts[-count] + window - now)
        return wait
