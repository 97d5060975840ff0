"""Kraken's words for the matching engine's rejections (spec §9, captured where marked).

Every :class:`~spotstream.simulator.matching.rejections.Rejection` has its text here, once;
the sessions write :func:`error_text` into the ``error`` of their answer. A detail (the field
of ``INVALID_ARGUMENTS``) follows the text after a colon, as Kraken writes it:
``EGeneral:Invalid arguments:order_qty``. Where Kraken's text for a case is not known the
nearest documented one is used (the engine's and the checks' docstrings say which case).
"""

from __future__ import annotations

from spotstream.simulator.matching.orders import OrderError
from spotstream.simulator.matching.rejections import Rejection

KRAKEN_WORDS: dict[Rejection, str] = {
    Rejection.INVALID_ARGUMENTS: "EGeneral:Invalid arguments",
    Rejection.INVALID_PRICE: "EOrder:Invalid price",
    Rejection.PRICE_OFF_TICK: "EOrder:Tick size check failed",
    Rejection.ORDER_MINIMUM: "EOrder:Order minimum not met",
    Rejection.COST_MINIMUM: "EOrder:Cost minimum not met",
    Rejection.MARGIN_UNAVAILABLE: "EOrder:Margin allowance exceeded",
    Rejection.REDUCE_ONLY_NO_POSITION: "EOrder:Reduce only:No position exists",
    Rejection.UNKNOWN_POSITION: "EOrder:Unknown position",
    Rejection.DEADLINE_ELAPSED: "EService:Deadline elapsed",
    Rejection.UNKNOWN_ACCOUNT: "EAPI:Invalid key",
    Rejection.UNKNOWN_SYMBOL: "EQuery:Unknown asset pair",
    Rejection.UNKNOWN_ORDER: "EOrder:Unknown order",
    Rejection.NOT_EDITABLE: "EOrder:Invalid order",
    Rejection.DUPLICATE_CLIENT_ORDER_ID: "EOrder:Duplicate cl_ord_id",
    Rejection.TOO_MANY_OPEN_ORDERS: "EOrder:Orders limit exceeded",
    Rejection.INSUFFICIENT_FUNDS: "EOrder:Insufficient funds",
    Rejection.POST_ONLY_WOULD_TAKE: "EOrder:Post only order",
    Rejection.RATE_LIMITED: "EOrder:Rate limit exceeded",
}
"""Each reason's text in Kraken's ``error`` field (a test checks every reason has one)."""


def words(reason: Rejection, detail: str | None = None) -> str:
    """Kraken's text for ``reason`` (and ``detail``)."""
    text = KRAKEN_WORDS[reason]
    return text if detail is None else f"{text}:{detail}"


def error_text(error: OrderError) -> str:
    """The ``error`` Kraken sends for a refused request."""
    return words(error.reason, error.detail)
