"""The soak's figures: what each watcher counts, and the one-line JSON summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

SUMMARY_KEYS = (
    "faults_injected",
    "reconnects",
    "resyncs",
    "gaps_detected",
    "gaps_reconciled",
    "lost_subscriptions",
    "wrong_books",
    "stuck_books",
    "duplicate_orders",
    "duplicate_fills",
    "unhandled_exceptions",
    "peak_rss_mb",
)
"""The keys issue 11 asks for (every one always present; integers but ``peak_rss_mb``)."""


@dataclass
class Summary:
    """The counters of one soak run (0 when nothing happened)."""

    faults_injected: int = 0
    reconnects: int = 0
    resyncs: int = 0
    gaps_detected: int = 0
    gaps_reconciled: int = 0
    lost_subscriptions: int = 0
    wrong_books: int = 0
    stuck_books: int = 0
    duplicate_orders: int = 0
    duplicate_fills: int = 0
    unhandled_exceptions: int = 0
    peak_rss_mb: float = 0.0
    rss_first_third_mb: float = 0.0
    rss_last_third_mb: float = 0.0
    seconds: float = 0.0
    seed: int = 0
    book_checks: int = 0  # synced book states compared with the truth
    fills: int = 0
    orders_placed: int = 0  # placement calls made (answered or not)
    orders_refused: int = 0  # placements the exchange answered with a refusal
    order_errors: int = 0  # placement or cancel calls refused or unanswered
    order_error_kinds: Counter[str] = field(default_factory=Counter)  # venue:error -> count
    errors_logged: int = 0  # part of unhandled_exceptions
    samples: list[str] = field(default_factory=list)  # the first errors counted, as text
    error: str | None = None  # the soak's own failure, if it had one
    faults: Counter[str] = field(default_factory=Counter)  # kind -> injected
    venues: dict[str, dict[str, int]] = field(default_factory=dict)  # per venue figures

    def clean(self) -> bool:
        """Every goal of the issue met (memory aside)."""
        return (
            self.error is None
            and self.faults_injected > 0
            and not (
                self.lost_subscriptions
                or self.wrong_books
                or self.stuck_books
                or self.duplicate_orders
                or self.duplicate_fills
                or self.unhandled_exceptions
            )
            and self.gaps_detected == self.gaps_reconciled
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["faults"] = dict(sorted(self.faults.items()))
        data["order_error_kinds"] = dict(sorted(self.order_error_kinds.items()))
        data["peak_rss_mb"] = round(self.peak_rss_mb, 1)
        data["rss_first_third_mb"] = round(self.rss_first_third_mb, 1)
        data["rss_last_third_mb"] = round(self.rss_last_third_mb, 1)
        data["seconds"] = round(self.seconds, 3)
        return data


def duplicate_orders(placed: int, calls: int, refused: int) -> int:
    """Orders the simulator placed beyond what the soak's placement calls can explain: each
    call places at most one, a refused one none (a call that timed out or lost its answer
    may have placed its order, so it counts as placed)."""
    return max(0, placed - (calls - refused))
