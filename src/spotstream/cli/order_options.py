"""The ``order`` commands' options, derived from :class:`OrderRequest` and the client methods.

Each option of ``order add`` is an :class:`OrderRequest` field under Kraken's name (the
client method's parameter, also the argparse dest): its type, choices and help come from
the field's declaration (an enum gives the choices, ``Decimal`` an exact number, ``bool`` a
``--x``/``--no-x`` pair sent only when given, a ``datetime`` a time). ``amend`` and ``edit``
take the keyword parameters of the client's ``amend_order`` / ``edit_order``, with the same
option for the same name.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, get_args

import msgspec

from spotstream.kraken.trading import KrakenTrading
from spotstream.models.edge import field_type
from spotstream.models.orders import ConditionalClose, OrderRequest
from spotstream.protocol.kraken.v2.orders import POSITIONAL, kraken_name

TIME_HELP = "+SECONDS from now, or an ISO 8601 time with a timezone"


def decimal_arg(text: str) -> Decimal:
    """A finite decimal number, exactly as written (never through a float)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a decimal number: {text!r}") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def time_arg(text: str) -> datetime:
    """``+SECONDS`` from now, or an ISO 8601 time with a timezone (``...Z``, ``...+02:00``)."""
    if text.startswith("+"):
        seconds = decimal_arg(text[1:])
        return datetime.now(UTC) + timedelta(milliseconds=int(seconds * 1000))
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no timezone (add Z for UTC)")
    return value


def field_spec(field: msgspec.structs.FieldInfo, *, flag: bool = True) -> dict[str, Any]:
    """argparse keyword arguments for one request field (``flag``: an option, not positional)."""
    kind, _ = field_type(field.type)
    text = _description(field.type)
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        values = [member.value for member in kind]
        spec: dict[str, Any] = {"choices": values, "help": text or (kind.__doc__ or "")}
        if not flag:
            spec.update(metavar=field.name.rsplit("_")[-1].upper(), help=", ".join(values))
        return spec
    if kind is Decimal:
        unit = "QTY" if "quantity" in field.name else "PRICE"
        return {"type": decimal_arg, "metavar": unit, "help": text}
    if kind is datetime:
        return {"type": time_arg, "metavar": "TIME", "help": f"{text}: {TIME_HELP}"}
    if kind is bool:
        return {"action": argparse.BooleanOptionalAction, "help": text}
    if kind is int:
        return {"type": int, "metavar": "N", "help": text}
    return {"metavar": "ID", "help": text}


def _description(annotation: Any) -> str:
    metas = [m for m in get_args(annotation)[1:] if isinstance(m, msgspec.Meta)]
    return next((m.description for m in metas if m.description), "")


_FIELDS = {f.name: f for f in msgspec.structs.fields(OrderRequest)}
ORDER_FLAGS: dict[str, dict[str, Any]] = {
    **{kraken_name(name): field_spec(f) for name, f in _FIELDS.items() if name != "conditional"},
    "symbol": {"help": "the order's symbol (checks precisions)"},
    "deadline": {"type": time_arg, "metavar": "TIME", "help": f"reject after: {TIME_HELP}"},
    "validate": {"action": "store_true", "help": "only check the order; place nothing"},
}
"""Every trading option by argparse dest (the client methods' parameter name)."""
ADD_POSITIONAL: dict[str, dict[str, Any]] = {
    kraken_name(name): field_spec(_FIELDS[name], flag=False) for name in POSITIONAL
}
ADD_OPTIONS: tuple[str, ...] = (
    *(kraken_name(n) for n in _FIELDS if n not in POSITIONAL and n != "conditional"),
    "deadline",
    "validate",
)
CONDITIONAL_FIELDS: dict[str, dict[str, Any]] = {
    name: field_spec(_FIELDS[name]) for name in ConditionalClose.__struct_fields__
}
"""The ``--conditional-*`` options by :class:`ConditionalClose` field (which reads as the
:class:`OrderRequest` field of its name)."""


def keyword_options(method: Callable[..., object]) -> tuple[str, ...]:
    """A client method's keyword-only parameters, the request ``timeout`` aside."""
    parameters = inspect.signature(method).parameters.values()
    return tuple(p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.name != "timeout")


AMEND_OPTIONS = keyword_options(KrakenTrading.amend_order)
EDIT_OPTIONS = keyword_options(KrakenTrading.edit_order)
