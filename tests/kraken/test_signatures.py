"""The public signatures of the Kraken client carry no ``Any`` (users' type checkers see
every parameter and result)."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterator

import pytest

import spotstream.kraken
from spotstream.kraken import client, feeds, spot, trading

MODULES = (client, spot, feeds, trading)


def _public_callables() -> Iterator[tuple[str, Callable[..., object]]]:
    for module in MODULES:
        for name, cls in vars(module).items():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__ or name[0] == "_":
                continue
            for attr, member in vars(cls).items():
                if attr.startswith("_") and attr != "__init__":
                    continue
                function = member.fget if isinstance(member, property) else member
                if callable(function):
                    yield f"{name}.{attr}", function


CALLABLES = list(_public_callables())


@pytest.mark.parametrize(("name", "function"), CALLABLES, ids=[name for name, _ in CALLABLES])
def test_no_any_in_public_signatures(name: str, function: Callable[..., object]) -> None:
    names = {"KrakenSocketClient": client.KrakenSocketClient}  # imported for type checking only
    hints = typing.get_type_hints(function, localns=names, include_extras=True)
    loose = {k: v for k, v in hints.items() if "Any" in repr(v)}
    assert not loose, f"{name}: {loose}"


def test_the_walk_sees_the_trading_methods() -> None:
    names = {name for name, _ in CALLABLES}
    assert {"KrakenTrading.add_order", "KrakenTrading.place_order"} <= names
    assert "KrakenPrivateFeeds.subscribe_to_individual_order_book_updates" in names
    assert spotstream.kraken.KrakenSocketClient is client.KrakenSocketClient
