"""The edge conversion: what users pass becomes exactly typed values once, or is refused.

Where users may pass plain strings (``"buy"``, ``"limit"``), :func:`to_enum` turns them into
the member: only a plain ``str`` that is exactly a member's value is accepted (no case
folding: ``"BUY"`` is refused), and a member of *another* enum is refused too, so that a
side passed where the order type goes never slips through because two enums happen to share
a value (``FeePreference.QUOTE`` is not a ``LimitPriceType``). Money is ``Decimal`` only: a
float (inexact) or a str is refused by :func:`to_decimal`. Both raise
:class:`~spotstream.errors.InvalidRequestError` (a ``ValueError``) naming the parameter.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import msgspec

from spotstream.errors import InvalidRequestError

E = TypeVar("E", bound=StrEnum)


def to_enum(kind: type[E], value: object, name: str) -> E:
    """``value`` as a member of ``kind``, or :class:`InvalidRequestError` naming ``name``."""
    if isinstance(value, kind):
        return value
    if type(value) is str:  # exactly str: a member of another StrEnum is a str too
        try:
            return kind(value)
        except ValueError:
            pass
    choices = ", ".join(member.value for member in kind)
    raise InvalidRequestError(f"{name} must be one of {choices}, not {value!r}")


def to_decimal(value: object, name: str) -> Decimal:
    """``value`` if it is a finite ``Decimal``, else :class:`InvalidRequestError`."""
    if isinstance(value, Decimal) and value.is_finite():
        return value
    raise InvalidRequestError(f"{name} must be a finite Decimal, not {value!r}")


# --- every field of a request Struct, by its declared type -------------------------------------

Check = Callable[[Any, str], object]
_CHECKS: dict[type[msgspec.Struct], tuple[tuple[str, Check, bool], ...]] = {}


def convert_fields(struct: msgspec.Struct) -> None:
    """Check each field of ``struct`` against its declared type (in place, frozen or not).

    Meant for ``__post_init__`` of request Structs, so that a request is exactly typed from
    the moment it exists: enum fields take a member or exactly its value (which becomes the
    member), ``Decimal`` fields a finite ``Decimal``, ``bool``/``int``/``str``/``datetime``
    and Struct fields an instance of that type; ``None`` where the field is optional.
    """
    cls = type(struct)
    checks = _CHECKS.get(cls)
    if checks is None:
        checks = _CHECKS[cls] = tuple(_field_check(f) for f in msgspec.structs.fields(cls))
    for name, check, optional in checks:
        value = getattr(struct, name)
        if value is None and optional:
            continue
        converted = check(value, name)
        if converted is not value:
            msgspec.structs.force_setattr(struct, name, converted)


def field_type(annotation: Any) -> tuple[Any, bool]:
    """The declared type without ``Annotated`` and ``| None``, and whether ``None`` is allowed."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(members) < len(get_args(annotation))
        (annotation,) = members
        return annotation, optional
    return annotation, False


def _field_check(field: msgspec.structs.FieldInfo) -> tuple[str, Check, bool]:
    kind, optional = field_type(field.type)
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return field.name, partial(to_enum, kind), optional
    if kind is Decimal:
        return field.name, to_decimal, optional
    return field.name, partial(_instance, kind), optional


def _instance(kind: type, value: object, name: str) -> object:
    # bool is an int: a flag is not a number, nor a number a flag
    if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
        return value
    raise InvalidRequestError(f"{name} must be {kind.__name__}, not {value!r}")
