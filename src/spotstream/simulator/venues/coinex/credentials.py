"""CoinEx API keys on the simulator: access ids and secret keys of matching-engine accounts.

Sans-I/O, next to Kraken's :mod:`~spotstream.simulator.venues.kraken.credentials`. A
:class:`CoinExKey` lets one engine account trade through CoinEx (the default test key
belongs to the funded Kraken test account, so both venues see one account's orders and
balances). Two checks:

- socket ``server.sign`` (spec A3): ``signed_str = hex(HMAC-SHA256(secret, str(timestamp)))``,
  checked by :func:`spotstream.auth.coinex.signature_matches` (hex in either case);
- socket ``server.sign`` of API v1 (spec B3): ``MD5("access_id=<id>&tonce=<tonce>&secret_key=
  <secret>")`` as hex (CoinEx documents upper case; either case is accepted), checked by
  :meth:`CoinExKeyStore.sign_in_v1` (the tonce window is the v1 session's);
- REST v2 (``X-COINEX-KEY``, ``X-COINEX-SIGN``, ``X-COINEX-TIMESTAMP``): the prepared string
  is ``METHOD + request_path (with its query) + body + timestamp``, where the request path
  is the one CoinEx sees (``/v2/spot/order``: the simulator's ``/coinex`` prefix is **not**
  signed, so a client signs whatever follows its base URL). Accepted signatures, hex in
  either case: ``HMAC-SHA256(secret, prepared)`` (CoinEx's documentation) and
  ``SHA256(prepared + secret)`` (what ccxt sends, which CoinEx evidently accepts).

The timestamp is not checked against the simulator's clock (which tests may set anywhere).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from spotstream.protocol.coinex.sign import rest_signature, signature_matches
from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from spotstream.simulator.venues.coinex.refusals import (
    ABNORMAL_ACCESS_ID,
    SIGNATURE_FAILED,
    CoinExRefusal,
)


def _hex(label: str, size: int) -> str:
    """A deterministic upper-case hex string of ``size`` characters (CoinEx's key style)."""
    return hashlib.sha256(label.encode()).hexdigest()[:size].upper()


@dataclass(frozen=True, slots=True)
class CoinExKey:
    """A CoinEx access id and secret key, and the engine account they trade for."""

    access_id: str
    secret_key: str
    account_id: str


COINEX_TEST_KEY = CoinExKey(
    access_id=_hex("spotstream simulator coinex access id", 32),
    secret_key=_hex("spotstream simulator coinex secret key", 48),
    account_id=TEST_ACCOUNT.account_id,
)
"""The funded test account's CoinEx key (``spotstream sim`` prints it)."""
DEFAULT_COINEX_KEYS: tuple[CoinExKey, ...] = (COINEX_TEST_KEY,)


def v1_signature(access_id: str, secret_key: str, tonce: int) -> str:
    """The ``authorization`` of a socket API v1 ``server.sign`` (upper-case hex MD5)."""
    text = f"access_id={access_id}&tonce={tonce}&secret_key={secret_key}"
    return hashlib.md5(text.encode()).hexdigest().upper()


class CoinExKeyStore:
    """The CoinEx keys of one simulator."""

    def __init__(self, keys: Iterable[CoinExKey] = DEFAULT_COINEX_KEYS) -> None:
        self._by_id = {key.access_id: key for key in keys}

    def sign_in(self, access_id: object, signed_str: object, timestamp: object) -> str | None:
        """The account a ``server.sign`` authenticates, or ``None`` when it does not."""
        key = self._by_id.get(access_id) if isinstance(access_id, str) else None
        if key is None or not isinstance(signed_str, str):
            return None
        if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
            return None
        return key.account_id if signature_matches(key.secret_key, timestamp, signed_str) else None

    def sign_in_v1(self, access_id: str, authorization: str, tonce: int) -> str | None:
        """The account a v1 ``server.sign`` authenticates, or ``None`` when it does not."""
        key = self._by_id.get(access_id)
        if key is None or not authorization.isascii():
            return None
        expected = v1_signature(key.access_id, key.secret_key, tonce)
        return key.account_id if hmac.compare_digest(expected, authorization.upper()) else None

    def verify(self, method: str, path: str, body: bytes, headers: Mapping[str, str]) -> str:
        """The account that signed a REST request (``path`` as CoinEx sees it, query
        included; ``headers`` keyed by lower-case names). Raises :class:`CoinExRefusal`."""
        key = self._by_id.get(headers.get("x-coinex-key", "").strip())
        if key is None:
            raise CoinExRefusal(ABNORMAL_ACCESS_ID)
        timestamp = headers.get("x-coinex-timestamp", "").strip()
        given = headers.get("x-coinex-sign", "").strip().lower()
        if not timestamp.isdigit() or not given:
            raise CoinExRefusal(SIGNATURE_FAILED)
        documented = rest_signature(key.secret_key, method, path, body, int(timestamp))
        prepared = method.encode() + path.encode() + body + timestamp.encode()
        plain = hashlib.sha256(prepared + key.secret_key.encode()).hexdigest()  # ccxt's
        if not (hmac.compare_digest(documented, given) or hmac.compare_digest(plain, given)):
            raise CoinExRefusal(SIGNATURE_FAILED)
        return key.account_id
