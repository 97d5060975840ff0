"""Offering a part's method on its owner, with its signature: composition without mixins.

``client.spot`` is one object to users (the seed libraries' flat stream classes) but is composed
of parts that each hold one thing (market data, private feeds, trading). A
:class:`Delegate` class attribute makes ``owner.name(...)`` call ``owner.<part>.name(...)``;
type checkers see the part's parameters and result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, cast, overload

P = ParamSpec("P")
R = TypeVar("R")


class Delegate(Generic[P, R]):
    """``Delegate("trading", Trading.add_order)``: the owner's ``trading`` part's
    ``add_order``, bound to that part."""

    def __init__(self, part: str, method: Callable[Concatenate[Any, P], R]) -> None:
        self._part = part
        self._name = method.__name__
        self.__doc__ = method.__doc__
        self.__wrapped__ = method

    @overload
    def __get__(self, owner: None, cls: type[object]) -> Delegate[P, R]: ...
    @overload
    def __get__(self, owner: object, cls: type[object]) -> Callable[P, R]: ...
    def __get__(self, owner: object | None, cls: type[object]) -> Delegate[P, R] | Callable[P, R]:
        if owner is None:
            return self
        return cast(Callable[P, R], getattr(getattr(owner, self._part), self._name))
