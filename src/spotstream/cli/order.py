"""``spotstream order ...``: one trading request, its outcome, and an exit code (Kraken;
CoinEx with ``--exchange coinex``: :mod:`spotstream.cli.order_coinex`).

Exit codes: 0 success; 1 the exchange rejected it (its own text is shown); 2 bad input
(argparse, a local check, missing or malformed credentials); 3 the outcome is unknown (the
request was sent and no answer came: the order may exist); 4 the exchange could not be
reached (nothing was sent). Everything is parsed and checked locally before connecting.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from spotstream.cli.credentials import (
    load_coinex_credentials,
    load_credentials,
    open_client,
    resolve_endpoints,
)
from spotstream.cli.order_coinex import (
    COINEX_TYPES,
    CancelledAll,
    build_coinex_action,
    describe_cancelled_all,
    describe_update,
    timeout_of,
)
from spotstream.cli.order_options import (
    ADD_OPTIONS,
    ADD_POSITIONAL,
    AMEND_OPTIONS,
    CONDITIONAL_FIELDS,
    EDIT_OPTIONS,
)
from spotstream.errors import (
    ConnectionClosedError,
    ExchangeError,
    InvalidCredentialsError,
    InvalidRequestError,
    OutcomeUnknownError,
    RequestTimeoutError,
    UnknownSymbolError,
    UnsupportedFeatureError,
)
from spotstream.kraken.trading import KrakenTrading
from spotstream.models.orders import (
    AmendedOrder,
    CancelAfter,
    CancelledOrder,
    ConditionalClose,
    EditedOrder,
    OrderRequest,
    OrderUpdate,
    PlacedOrder,
)
from spotstream.protocol.kraken.v2.orders import decode_orders

EXIT_OK, EXIT_REJECTED, EXIT_BAD_INPUT, EXIT_OUTCOME_UNKNOWN, EXIT_UNREACHABLE = 0, 1, 2, 3, 4
INTERRUPTED_HINT = (
    "if the request was already sent, it may have taken effect: check with "
    "`spotstream watch executions`"
)
OUTCOME_UNKNOWN_HINT = (
    "no answer from the exchange: the request may have taken effect (the order may exist). "
    "Check with `spotstream watch executions` before retrying."
)

Action = Callable[[KrakenTrading], Awaitable[object]]

_ENCODER = msgspec.json.Encoder()  # Decimals as strings: exact


# --- running ----------------------------------------------------------------------------------


async def run_order(args: argparse.Namespace) -> int:
    """Run one ``order`` command; print its outcome (a line, or one JSON object)."""
    try:
        exchange = getattr(args, "exchange", None) or getattr(args, "order_exchange", None)
        if exchange == "coinex":
            args.exchange = exchange
            resolve_endpoints(args)  # for callers that parsed the options without main()
            call = build_coinex_action(args)
            coinex = load_coinex_credentials(args.config)
            result = await call(coinex, args.rest_url, timeout_of(args))
        else:
            action = build_action(args)
            credentials = load_credentials(args.config)
            async with open_client(args, credentials) as client:
                result = await action(client.spot.trading)
    except asyncio.CancelledError:
        print(f"spotstream: interrupted: {INTERRUPTED_HINT}", file=sys.stderr)
        raise
    except Exception as exc:
        handled = failure(exc)
        if handled is None:
            raise
        code, body = handled
        _emit_failure(args, code, body)
        return code
    return report(args, result)


def build_action(args: argparse.Namespace) -> Action:
    """Parse and check everything that needs no connection; the request, ready to send."""
    builder = _BUILDERS.get(args.action)
    if builder is None:
        raise UnsupportedFeatureError(f"order {args.action}: CoinEx only (--exchange coinex)")
    for dest, flag in (("symbol_option", "--symbol"), ("side_option", "--side")):
        if getattr(args, dest, None) is not None:
            raise InvalidRequestError(f"{flag} is for --exchange coinex")
    if getattr(args, "order_type", None) in COINEX_TYPES:
        raise InvalidRequestError(f"{args.order_type} is a CoinEx order type (--exchange coinex)")
    return builder(args)


def _add(args: argparse.Namespace) -> Action:
    options = _pick(args, ADD_OPTIONS)
    conditional = _conditional(args)
    positional = [getattr(args, name) for name in ADD_POSITIONAL]
    return lambda spot: spot.add_order(args.symbol, *positional, conditional=conditional, **options)


def _amend(args: argparse.Namespace) -> Action:
    options = _pick(args, AMEND_OPTIONS)
    return lambda spot: spot.amend_order(args.order_id, **options)


def _edit(args: argparse.Namespace) -> Action:
    options = _pick(args, EDIT_OPTIONS)
    return lambda spot: spot.edit_order(args.order_id, args.symbol, **options)


def _cancel(args: argparse.Namespace) -> Action:
    ids, cl_ids, refs = args.order_ids, args.cl_ord_ids or [], args.order_userrefs or []
    if not (ids or cl_ids or refs):
        raise InvalidRequestError("cancel needs an ORDER_ID, --cl-ord-id or --order-userref")
    return lambda spot: spot.cancel_orders(
        ids, cl_ord_ids=cl_ids, order_userrefs=refs, timeout=args.timeout
    )


def _cancel_all(args: argparse.Namespace) -> Action:
    return lambda spot: spot.cancel_all(timeout=args.timeout)


def _cancel_after(args: argparse.Namespace) -> Action:
    return lambda spot: spot.cancel_all_orders_after(args.seconds, request_timeout=args.timeout)


def _batch_add(args: argparse.Namespace) -> Action:
    batch = read_batch(args.file)
    return lambda spot: spot.batch_add(
        args.symbol, batch, deadline=args.deadline, validate=args.validate, timeout=args.timeout
    )


def _batch_cancel(args: argparse.Namespace) -> Action:
    ids, cl_ids = args.orders, args.cl_ord_ids or []
    return lambda spot: spot.batch_cancel(ids, cl_ord_ids=cl_ids, timeout=args.timeout)


_BUILDERS: dict[str, Callable[[argparse.Namespace], Action]] = {
    "add": _add,
    "amend": _amend,
    "edit": _edit,
    "cancel": _cancel,
    "cancel-all": _cancel_all,
    "cancel-after": _cancel_after,
    "batch-add": _batch_add,
    "batch-cancel": _batch_cancel,
}


def _pick(args: argparse.Namespace, names: Sequence[str]) -> dict[str, Any]:
    """The named options, and the request ``timeout``, as keyword arguments."""
    return {"timeout": args.timeout, **{name: getattr(args, name) for name in names}}


def _conditional(args: argparse.Namespace) -> ConditionalClose | None:
    """The ``--conditional-*`` options as a :class:`ConditionalClose` (None if unused)."""
    fields = {name: getattr(args, "conditional_" + name) for name in CONDITIONAL_FIELDS}
    if fields["order_type"] is None:
        if any(value is not None for value in fields.values()):
            raise InvalidRequestError("--conditional-* options need --conditional-order-type")
        return None
    return ConditionalClose(**fields)


def read_batch(file: str) -> list[OrderRequest]:
    """Orders from a JSON file (``-``: stdin): a list of objects with the ``add`` options'
    names (:func:`~spotstream.protocol.kraken.v2.orders.decode_orders`). Numbers and strings
    both decode to exact Decimals."""
    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise InvalidRequestError(f"{file}: cannot read: {exc.strerror}") from None
    try:
        return decode_orders(data)
    except InvalidRequestError as exc:
        raise InvalidRequestError(f"{file}: {exc}") from None


# --- outcomes ---------------------------------------------------------------------------------


def failure(exc: BaseException) -> tuple[int, dict[str, Any]] | None:
    """The exit code and JSON body of an error; None for errors that are bugs (re-raised)."""
    kind = type(exc).__name__
    if isinstance(exc, ExchangeError):
        return EXIT_REJECTED, {"error": exc.error, "type": kind}
    if isinstance(exc, InvalidRequestError | InvalidCredentialsError | UnknownSymbolError):
        return EXIT_BAD_INPUT, {"error": str(exc), "type": kind}
    if isinstance(exc, OutcomeUnknownError):
        return EXIT_OUTCOME_UNKNOWN, {"error": str(exc), "type": kind, "hint": OUTCOME_UNKNOWN_HINT}
    if isinstance(exc, ConnectionClosedError | RequestTimeoutError | OSError):
        return EXIT_UNREACHABLE, {"error": str(exc) or kind, "type": kind}
    return None


def _emit_failure(args: argparse.Namespace, code: int, body: dict[str, Any]) -> None:
    if args.json:
        _print_json(body)
        return
    if code == EXIT_REJECTED:
        print(f"spotstream: rejected by the exchange: {body['error']}", file=sys.stderr)
    elif code == EXIT_OUTCOME_UNKNOWN:
        print(f"spotstream: OUTCOME UNKNOWN: {OUTCOME_UNKNOWN_HINT}", file=sys.stderr)
        print(f"  ({body['error']})", file=sys.stderr)
    elif code == EXIT_UNREACHABLE:
        print(f"spotstream: exchange unreachable: {body['error']}", file=sys.stderr)
    else:
        print(f"spotstream: {body['error']}", file=sys.stderr)


def report(args: argparse.Namespace, result: object) -> int:
    """Print a successful call's result; for one result per order (cancel by ids), 3 if the
    outcome of one of them is unknown, else 1 if one of them was rejected."""
    items = result if isinstance(result, list) else None
    rejected = items is not None and any(isinstance(i, ExchangeError) for i in items)
    unknown = items is not None and any(isinstance(i, OutcomeUnknownError) for i in items)
    if args.json:
        if items is not None:
            _print_json({"results": [_json_item(i) for i in items]})
        elif isinstance(result, int):
            _print_json({"result": {"count": result}})
        else:
            _print_json({"result": result})
    else:
        for line in describe(args.action, result):
            print(line)
        if unknown:
            print(f"spotstream: OUTCOME UNKNOWN: {OUTCOME_UNKNOWN_HINT}", file=sys.stderr)
    if unknown:
        return EXIT_OUTCOME_UNKNOWN
    return EXIT_REJECTED if rejected else EXIT_OK


def _json_item(item: object) -> object:
    if isinstance(item, ExchangeError):
        return {"error": item.error, "type": type(item).__name__}
    if isinstance(item, OutcomeUnknownError):
        return {"error": str(item), "type": type(item).__name__, "hint": OUTCOME_UNKNOWN_HINT}
    return item


def _print_json(body: object) -> None:
    sys.stdout.buffer.write(_ENCODER.encode(body) + b"\n")
    sys.stdout.flush()


def describe(action: str, result: object) -> list[str]:
    """Readable lines for a result (one per order for lists)."""
    if isinstance(result, list):
        if not result and action in ("open", "closed"):
            return ["no orders"]
        return [line for item in result for line in describe(action, item)]
    if isinstance(result, int):
        return [f"cancelled {result} order{'' if result == 1 else 's'}"]
    lines = [_describe_one(result)]
    warnings: tuple[str, ...] = getattr(result, "warnings", ())
    lines.extend(f"  warning: {w}" for w in warnings)
    return lines


def _describe_one(result: object) -> str:
    if isinstance(result, OrderUpdate):
        return describe_update(result)
    if isinstance(result, CancelledAll):
        return describe_cancelled_all(result)
    if isinstance(result, PlacedOrder):
        if not result.order_id:
            return "validated: the exchange accepts this order (nothing was placed)"
        return f"placed order {result.order_id}{_ids(result.client_order_id, result.user_ref)}"
    if isinstance(result, AmendedOrder):
        which = result.order_id or result.client_order_id
        return f"amended order {which} (amend_id {result.amend_id})"
    if isinstance(result, EditedOrder):
        if not result.order_id:
            return f"validated: the exchange accepts this edit of {result.original_order_id}"
        return f"replaced order {result.original_order_id} by {result.order_id}"
    if isinstance(result, CancelledOrder):
        return f"cancelled order {result.order_id or result.client_order_id}"
    if isinstance(result, ExchangeError):
        return f"rejected by the exchange: {result.error}"
    if isinstance(result, OutcomeUnknownError):
        return f"outcome unknown: {result}"
    if isinstance(result, CancelAfter):
        return _describe_switch(result)
    return repr(result)


def _ids(client_order_id: str | None, user_ref: int | None) -> str:
    if client_order_id:
        return f" (cl_ord_id {client_order_id})"
    return f" (order_userref {user_ref})" if user_ref is not None else ""


def _describe_switch(state: CancelAfter) -> str:
    now = state.current_time.isoformat()
    if state.trigger_time is None:
        return f"dead man's switch disarmed (exchange time {now})"
    return (
        f"dead man's switch armed: every order will be cancelled at "
        f"{state.trigger_time.isoformat()} unless re-armed (exchange time {now})"
    )
