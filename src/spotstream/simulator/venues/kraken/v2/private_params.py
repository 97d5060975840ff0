"""Reading private request params the way Kraken does (spec §8, captured errors).

The client's request Structs are lenient (msgspec accepts ``"1.5"`` for a Decimal and ignores
unknown fields); Kraken is not. So params are first parsed into plain JSON values (numbers
as ``int`` / ``Decimal``, never float), checked against the Struct's fields, and only then
converted. Errors as Kraken words them:

- an unknown field: ``Unsupported field: 'leverage' for the given msg type: add_order`` (the
  wording of the captured ``ping`` error);
- a number sent as a string: ``Limit_price field must be a number_float`` (captured);
- anything else malformed: ``EGeneral:Invalid arguments`` with the field when known.

A new order's params then become the neutral :class:`~spotstream.models.orders.OrderRequest`
the matching engine takes (:func:`order_entry`), with what only Kraken's wire knows: the
deprecated spellings' warnings, and ``no_mpp: true`` refused on anything but a market order
(as captured live).
"""

from __future__ import annotations

import re
import types
from decimal import Decimal
from typing import Any, TypeVar, Union, get_args, get_origin

import msgspec

from spotstream.errors import InvalidRequestError
from spotstream.models.enums import (
    FeePreference,
    LimitPriceType,
    TriggerPriceType,
    TriggerReference,
)
from spotstream.models.orders import OrderRequest
from spotstream.protocol.kraken.v2 import orders
from spotstream.protocol.kraken.v2 import trading_wire as tw
from spotstream.simulator.matching.orders import Amendment, OrderError, Replacement
from spotstream.simulator.matching.rejections import Rejection

INVALID = "EGeneral:Invalid arguments"
STOP_PRICE_WARNING = "stop_price is deprecated, use triggers.price"
TRIGGER_WARNING = "trigger is deprecated use triggers.reference"
NO_MPP = "no_mpp order option is only available when ordertype = market"
_TREE = msgspec.json.Decoder(float_hook=Decimal)
_FIELD = re.compile(r"`\$\.([A-Za-z_\.\[\]0-9]+)`|field `([A-Za-z_]+)`")

S = TypeVar("S", bound=msgspec.Struct)


class ParamsError(Exception):
    """Params Kraken would refuse; ``text`` is its error string."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def parse(raw: bytes) -> dict[str, Any]:
    """The params object as plain values (``{}`` when absent)."""
    if not raw:
        return {}
    try:
        tree = _TREE.decode(raw)
    except msgspec.DecodeError:
        raise ParamsError(INVALID) from None
    if not isinstance(tree, dict):
        raise ParamsError(INVALID)
    return tree


def convert(method: str, tree: dict[str, Any], struct: type[S], *, tag: str = "") -> S:
    """``tree`` as ``struct`` after Kraken's checks (``tag``: a tag field to allow)."""
    _check(method, tree, struct, tag)
    try:
        return msgspec.convert(tree, struct)
    except msgspec.ValidationError as exc:
        match = _FIELD.search(str(exc))
        field = next((g for g in match.groups() if g), "") if match else ""
        raise ParamsError(f"{INVALID}:{field}" if field else INVALID) from None


def _check(method: str, tree: dict[str, Any], struct: type[msgspec.Struct], tag: str) -> None:
    fields = {f.encode_name: f.type for f in msgspec.structs.fields(struct)}
    for key, value in tree.items():
        if key == tag:
            continue
        kind = fields.get(key)
        if kind is None:
            raise ParamsError(f"Unsupported field: '{key}' for the given msg type: {method}")
        _check_value(method, key, value, kind)


def _members(kind: Any) -> tuple[Any, ...]:
    if get_origin(kind) in (Union, types.UnionType):
        return tuple(a for a in get_args(kind) if a is not type(None))
    return (kind,)


def _check_value(method: str, key: str, value: Any, kind: Any) -> None:
    for member in _members(kind):
        if member is Decimal and isinstance(value, (str, bool)):
            raise ParamsError(f"{key.capitalize()} field must be a number_float")
        if isinstance(member, type) and issubclass(member, msgspec.Struct):
            if isinstance(value, dict):
                _check(method, value, member, "")
        elif get_origin(member) is list and isinstance(value, list):
            (item,) = get_args(member)
            for element in value:
                _check_value(method, key, element, item)


def order_entry(params: tw.AddOrderParams | tw.BatchOrder) -> tuple[OrderRequest, tuple[str, ...]]:
    """The order ``params`` describe and the warnings Kraken answers them with, or
    :class:`OrderError` for what only the wire can get wrong."""
    if params.no_mpp and params.order_type != "market":
        raise OrderError(Rejection.INVALID_ARGUMENTS, NO_MPP)
    warnings: tuple[str, ...] = ()
    if params.triggers is None and params.stop_price is not None:  # the deprecated spelling
        warnings = (STOP_PRICE_WARNING,) + ((TRIGGER_WARNING,) if params.trigger else ())
    try:
        return orders.from_wire(params), warnings
    except InvalidRequestError:  # the wire's types make this unreachable; never crash on it
        raise OrderError(Rejection.INVALID_ARGUMENTS) from None


def amendment(params: tw.AmendOrderParams) -> Amendment:
    """The neutral in-place change ``amend_order``'s params describe."""
    limit_type, trigger_type = params.limit_price_type, params.trigger_price_type
    return Amendment(
        quantity=params.order_qty,
        order_id=params.order_id,
        client_order_id=params.cl_ord_id,
        display_quantity=params.display_qty,
        limit_price=params.limit_price,
        limit_price_type=None if limit_type is None else LimitPriceType(limit_type),
        post_only=params.post_only,
        trigger_price=params.trigger_price,
        trigger_price_type=None if trigger_type is None else TriggerPriceType(trigger_type),
    )


def replacement(params: tw.EditOrderParams) -> Replacement:
    """The neutral cancel-and-replace ``edit_order``'s params describe (the deprecated
    ``price``, ``stop_price`` and ``trigger`` read as their replacements)."""
    triggers = params.triggers
    if triggers is None and params.stop_price is not None:
        triggers = tw.TriggersParams(params.stop_price, params.trigger)
    reference = None if triggers is None else triggers.reference
    price_type = None if triggers is None else triggers.price_type
    fee = params.fee_preference
    return Replacement(
        order_id=params.order_id,
        symbol=params.symbol,
        quantity=params.order_qty,
        limit_price=params.limit_price if params.limit_price is not None else params.price,
        display_quantity=params.display_qty,
        post_only=params.post_only,
        reduce_only=params.reduce_only,
        trigger_price=None if triggers is None else triggers.price,
        trigger_reference=None if reference is None else TriggerReference(reference),
        trigger_price_type=None if price_type is None else TriggerPriceType(price_type),
        user_ref=params.order_userref,
        fee_preference=None if fee is None else FeePreference(fee),
    )
