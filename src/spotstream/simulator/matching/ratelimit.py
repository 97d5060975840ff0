"""The trading rate counter (spec §10): one counter per account and pair.

Every trading action adds to the counter of its pair; the counter decays continuously at the
account tier's rate; an action that would take it past the tier's threshold is refused
(``Rejection.RATE_LIMITED``). Cancelling or amending a young order costs more than an old
one, which is how the exchange discourages quote stuffing. Counts are kept in hundredths (integers:
``batch_add`` costs half a point per order and Intermediate decays 2.34 a second).
"""

from __future__ import annotations

from dataclasses import dataclass

NS_PER_S = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Tier:
    """One verification tier's limits: ``threshold`` points, ``decay`` hundredths of a point per
    second, ``max_open`` open orders per pair."""

    threshold: int
    decay: int
    max_open: int


TIERS: dict[str, Tier] = {
    "starter": Tier(60, 100, 60),
    "intermediate": Tier(125, 234, 80),
    "pro": Tier(180, 375, 225),
}

ADD_COST = 100
BATCH_ADD_COST = 50  # per order
# (age limit in seconds, extra cost in hundredths), first match wins; older orders cost 0 extra
_CANCEL_PENALTY = ((5, 800), (10, 600), (15, 500), (45, 400), (90, 200), (300, 100))
_AMEND_PENALTY = ((5, 300), (10, 200), (15, 100))
_EDIT_PENALTY = ((5, 600), (10, 500), (15, 400), (45, 200), (90, 100))


def _penalty(table: tuple[tuple[int, int], ...], age_ns: int) -> int:
    for limit, cost in table:
        if age_ns < limit * NS_PER_S:
            return cost
    return 0


def cancel_cost(age_ns: int) -> int:
    """What cancelling an order of age ``age_ns`` costs (hundredths)."""
    return _penalty(_CANCEL_PENALTY, age_ns)


def amend_cost(age_ns: int) -> int:
    return 100 + _penalty(_AMEND_PENALTY, age_ns)


def edit_cost(age_ns: int) -> int:
    return 100 + _penalty(_EDIT_PENALTY, age_ns)


class RateCounter:
    """The per-pair counters of one account."""

    def __init__(self, tier: Tier) -> None:
        self.tier = tier
        self._counters: dict[str, tuple[int, int]] = {}  # symbol -> (hundredths, as of ns)

    def value(self, symbol: str, now_ns: int) -> int:
        """The counter of ``symbol`` at ``now_ns``, in hundredths, after decay."""
        value, since = self._counters.get(symbol, (0, now_ns))
        decayed = max(0, now_ns - since) * self.tier.decay // NS_PER_S
        return max(0, value - decayed)

    def count(self, symbol: str, now_ns: int) -> int:
        """The counter in whole points (what ``ratecount`` shows)."""
        return self.value(symbol, now_ns) // 100

    def allows(self, symbol: str, cost: int, now_ns: int) -> bool:
        """Whether an action costing ``cost`` hundredths stays within the threshold."""
        return self.value(symbol, now_ns) + cost <= self.tier.threshold * 100

    def charge(self, symbol: str, cost: int, now_ns: int) -> None:
        self._counters[symbol] = (self.value(symbol, now_ns) + cost, now_ns)
