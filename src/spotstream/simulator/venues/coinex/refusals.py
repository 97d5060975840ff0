"""How CoinEx words a refusal: REST v2's codes and messages, one table.

:class:`CoinExRefusal` carries a ``(code, message)``; REST answers it as
``{"code": code, "data": {}, "message": message}`` (HTTP 200). The engine's neutral
:class:`~spotstream.simulator.matching.rejections.Rejection` maps through :func:`refusal`;
codes and texts as CoinEx sends them (collected in ccxt's ``coinex`` error table), a
parameter error (4004) for anything without a code of its own.
"""

from __future__ import annotations

from spotstream.simulator.matching.rejections import Rejection

Refusal = tuple[int, str]

ABNORMAL_ACCESS_ID: Refusal = (4005, "Abnormal access_id")
SIGNATURE_FAILED: Refusal = (4006, "Signature verification failed")
PARAMETER_ERROR: Refusal = (4004, "Parameter error")
FOK_UNFILLED: Refusal = (3621, "This order can't be completely executed and has been canceled.")
MAKER_ONLY_CANCELED: Refusal = (
    3622,
    "This order can't be set as Maker Only and has been canceled.",
)
ORDER_NOT_FOUND: Refusal = (3600, "Order not found")
_REFUSALS: dict[Rejection, Refusal] = {
    Rejection.INSUFFICIENT_FUNDS: (3109, "balance not enough"),
    Rejection.ORDER_MINIMUM: (3127, "The order quantity is below the minimum requirement."),
    Rejection.COST_MINIMUM: (3127, "The order quantity is below the minimum requirement."),
    Rejection.UNKNOWN_ORDER: ORDER_NOT_FOUND,
    Rejection.POST_ONLY_WOULD_TAKE: MAKER_ONLY_CANCELED,
    Rejection.RATE_LIMITED: (4213, "The request is too frequent, please try again later."),
}


def refusal(reason: Rejection) -> Refusal:
    """A neutral rejection as CoinEx's code and message (a parameter error by default)."""
    return _REFUSALS.get(reason, PARAMETER_ERROR)


class CoinExRefusal(Exception):
    """A refused request: ``code`` and ``message`` as CoinEx answers them."""

    def __init__(self, error: Refusal) -> None:
        super().__init__(error[1])
        self.code, self.message = error
