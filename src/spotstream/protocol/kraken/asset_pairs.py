"""Kraken's REST ``AssetPairs`` answer read into instruments. Sans-I/O.

WebSocket v1 has no instrument channel, yet a book needs each pair's precisions: they come
from ``GET /0/public/AssetPairs`` instead, an envelope ``{"error": [...], "result": {KEY:
{...}}}``. Each entry becomes the same :class:`Instrument` v2's instrument channel gives:

- ``symbol`` is the ``wsname`` in v2's spelling (``XBT/USD`` -> ``BTC/USD``, by
  :func:`~spotstream.protocol.kraken.symbols.to_v2`), ``base``/``quote`` its halves (the
  REST ``base``/``quote`` are Kraken's legacy codes, ``XXBT``/``ZUSD``);
- ``price_precision``/``qty_precision`` are ``pair_decimals``/``lot_decimals``;
  ``price_increment`` is ``tick_size``, ``qty_increment`` one unit of the last lot decimal;
- ``qty_min`` is ``ordermin``, ``cost_min`` ``costmin``, ``cost_precision``
  ``cost_decimals``; ``marginable`` whether any leverage is offered.

Older answers lack ``tick_size``, ``costmin``, ``cost_decimals`` and ``status`` (the 2021
capture in ``tests/data`` does): the tick is then one unit of the last price decimal, the
minimum quantity one lot increment, the cost fields None and the status ``online``. Entries
without a ``wsname`` (the ``.d`` dark-pool pairs) are not on the websockets and are left out.

Kraken's errors become its typed refusal (:func:`~.errors.kraken_refusal`, a
:class:`RequestError`); a body that is not the expected JSON a :class:`DecodeError`.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from spotstream.errors import DecodeError, RequestError
from spotstream.models.market import Instrument
from spotstream.protocol.kraken.errors import kraken_refusal
from spotstream.protocol.kraken.symbols import to_v2

METHOD = "AssetPairs"
PATH = "/0/public/AssetPairs"


class AssetPairEntry(msgspec.Struct):
    """The fields of one ``AssetPairs`` entry that an :class:`Instrument` needs (the fee
    tables and the rest are not decoded)."""

    altname: str
    pair_decimals: int
    lot_decimals: int
    wsname: str | None = None
    ordermin: Decimal | None = None
    costmin: Decimal | None = None
    tick_size: Decimal | None = None
    cost_decimals: int | None = None
    status: str = "online"
    leverage_buy: list[int] = msgspec.field(default_factory=list)
    leverage_sell: list[int] = msgspec.field(default_factory=list)


class _Envelope(msgspec.Struct):
    error: list[str]
    result: dict[str, AssetPairEntry] | None = None


_decode = msgspec.json.Decoder(_Envelope).decode


def parse_asset_pairs(body: bytes, status: int = 200) -> list[Instrument]:
    """The instruments of an ``AssetPairs`` answer (HTTP ``status``), in the answer's order.

    Raises Kraken's typed refusal when ``error`` is not empty (any status), a
    :class:`RequestError` for another status than 200, and :class:`DecodeError` for a body
    that is not the expected JSON or an entry no instrument can be made of.
    """
    try:
        envelope = _decode(body)
    except msgspec.DecodeError as exc:  # ValidationError included: the wrong shape
        if status != 200:
            raise _http_error(status, body) from None
        raise DecodeError(f"{METHOD}: not the expected answer ({exc})", body) from None
    if envelope.error:
        raise kraken_refusal(envelope.error, RequestError, method=METHOD)
    if status != 200:
        raise _http_error(status, b"")
    if envelope.result is None:
        raise DecodeError(f"{METHOD}: no result and no error", body)
    return [
        instrument(key, entry) for key, entry in envelope.result.items() if entry.wsname is not None
    ]


def instrument(key: str, entry: AssetPairEntry) -> Instrument:
    """The :class:`Instrument` of one entry (``key`` names it in errors)."""
    symbol = to_v2(entry.wsname or "")
    base, slash, quote = symbol.partition("/")
    if not slash or not base or not quote:
        raise DecodeError(f"{METHOD}: {key} has wsname {entry.wsname!r}, not BASE/QUOTE")
    if not 0 <= entry.pair_decimals <= 40 or not 0 <= entry.lot_decimals <= 40:
        raise DecodeError(f"{METHOD}: {key} has decimals outside 0..40")
    qty_increment = Decimal(1).scaleb(-entry.lot_decimals)
    return Instrument(
        symbol=symbol,
        base=base,
        quote=quote,
        status=entry.status,
        price_precision=entry.pair_decimals,
        qty_precision=entry.lot_decimals,
        price_increment=entry.tick_size or Decimal(1).scaleb(-entry.pair_decimals),
        qty_increment=qty_increment,
        qty_min=entry.ordermin if entry.ordermin is not None else qty_increment,
        cost_precision=entry.cost_decimals,
        cost_min=entry.costmin,
        marginable=bool(entry.leverage_buy or entry.leverage_sell),
    )


def _http_error(status: int, body: bytes) -> RequestError:
    """A non-200 answer without Kraken errors, quoting the start of a gateway's page."""
    excerpt = " ".join(body[:200].decode("utf-8", "replace").split())
    return RequestError(f"HTTP {status}" + (f": {excerpt}" if excerpt else ""), method=METHOD)
