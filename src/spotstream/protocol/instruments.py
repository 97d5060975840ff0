"""The instrument cache: what each pair's prices and quantities look like."""

from __future__ import annotations

from collections.abc import Iterable

from spotstream.errors import UnknownSymbolError
from spotstream.models.market import Asset, Instrument


class InstrumentCache:
    """Pairs and assets by id, kept current from the ``instrument`` channel."""

    def __init__(self) -> None:
        self.pairs: dict[str, Instrument] = {}
        self.assets: dict[str, Asset] = {}

    def update(
        self, pairs: Iterable[Instrument], assets: Iterable[Asset], *, replace: bool = False
    ) -> None:
        """Apply a snapshot (``replace=True``) or an update carrying only what changed."""
        if replace:
            self.pairs.clear()
            self.assets.clear()
        self.pairs.update((p.symbol, p) for p in pairs)
        self.assets.update((a.id, a) for a in assets)

    def pair(self, symbol: str) -> Instrument:
        try:
            return self.pairs[symbol]
        except KeyError:
            raise UnknownSymbolError(f"{symbol}: not a known pair") from None

    def __contains__(self, symbol: object) -> bool:
        return symbol in self.pairs

    def __len__(self) -> int:
        return len(self.pairs)
