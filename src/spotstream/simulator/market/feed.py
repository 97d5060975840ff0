"""What the market's drivers need of the venues' fan-out, as two small protocols.

The scheduler and the matching engine move the market; each venue's hub turns each move into
its frames. They only know the fan-out through these protocols, so neither names a venue (the
simulator's one implementation of both is
:class:`~spotstream.simulator.market.fanout.MarketFanout`):

- :class:`MarketListener`: what the scheduler drives (the symbols to move, each live step,
  the max-rate tapes);
- :class:`BookPublisher`: what the matching engine uses (an up-to-date book, its own steps
  published, the symbols its open orders keep moving, the market steps it is shown).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from spotstream.simulator.market.state import MarketStep
from spotstream.simulator.market.tape import MarketTape

StepListener = Callable[[MarketStep], None]


class MarketListener(Protocol):
    """The fan-out the scheduler drives."""

    @property
    def active_symbols(self) -> Sequence[str]:
        """Symbols someone watches (the market steps only these), in a stable order."""

    @property
    def tapes(self) -> Mapping[str, MarketTape]:
        """The symbols replayed from a max-rate tape, and their tapes."""

    def publish(self, step: MarketStep) -> None:
        """Queue the frames of one live step (already applied to the market)."""

    def after_step(self, step: MarketStep) -> None:
        """Show a published live step to the step listeners (the matching engine)."""

    def attach_tape(self, tape: MarketTape) -> None:
        """Switch ``tape.symbol`` to max-rate replay."""

    def replay(self, tape: MarketTape, count: int, now_ns: int) -> None:
        """Queue the frames of the next ``count`` steps of ``tape``."""


class BookPublisher(Protocol):
    """The fan-out the matching engine publishes its trades through."""

    step_listeners: list[StepListener]
    """Called with every live step and every replayed step with trades."""

    @property
    def tapes(self) -> Mapping[str, MarketTape]:
        """The symbols replayed from a max-rate tape (their book moves on its own)."""

    @property
    def order_symbols(self) -> frozenset[str]:
        """The symbols kept moving for open orders (see :meth:`set_order_symbols`)."""

    def sync(self, symbol: str) -> None:
        """Bring the market's book of ``symbol`` up to date (a tape updates it lazily)."""

    def publish(self, step: MarketStep) -> None:
        """Queue the frames of the engine's own changes to the market."""

    def set_order_symbols(self, symbols: frozenset[str]) -> None:
        """Keep ``symbols`` moving even when nobody watches them (open user orders)."""
