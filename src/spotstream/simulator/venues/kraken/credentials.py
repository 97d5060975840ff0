"""Who may use the simulator: API keys, request signatures, nonces and WebSocket tokens.

Sans-I/O. :meth:`CredentialStore.verify` checks a signed REST request the way Kraken does
(Kraken REST auth §3, §5, §7): the ``API-Key`` must name an account, ``API-Sign``
must be ``base64(HMAC-SHA512(b64decode(secret), path + SHA256(nonce + body)))`` over the exact
body sent (form or JSON), and the nonce must be greater than every nonce already accepted for
that key. Failures raise :class:`CredentialError` carrying Kraken's own error text.

Tokens (:meth:`CredentialStore.issue_token`) are random (seeded) and valid for
:data:`TOKEN_LIFETIME` seconds after issue; a connection that used a token while it was valid
keeps it valid for as long as that connection lives (Kraken: a token does not expire while a
connection with a private subscription is maintained). The server hands each session an
``authorize(token) -> account_id | None`` bound to its connection (:meth:`authorizer`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from spotstream.simulator.matching.accounts import AccountSpec

TOKEN_LIFETIME = 900  # seconds a token stays valid if no connection uses it
MAX_NONCE = 2**64 - 1

INVALID_KEY = "EAPI:Invalid key"
INVALID_SIGNATURE = "EAPI:Invalid signature"
INVALID_NONCE = "EAPI:Invalid nonce"
PERMISSION_DENIED = "EGeneral:Permission denied"
INVALID_ARGUMENTS = "EGeneral:Invalid arguments"

_NS = 1_000_000_000


class CredentialError(Exception):
    """A refused request; ``str(error)`` is Kraken's error text (``EAPI:Invalid key``, ...)."""


@dataclass(slots=True)
class _Token:
    account_id: str
    issued_ns: int
    connections: set[int] = field(default_factory=set)


class CredentialStore:
    """API keys of the simulator's accounts, the last nonce of each, and issued tokens.

    ``clock`` returns epoch nanoseconds (token expiry); ``seed`` makes tokens reproducible.
    """

    def __init__(
        self, accounts: Iterable[AccountSpec], clock: Callable[[], int], seed: int = 1
    ) -> None:
        self.accounts = {a.account_id: a for a in accounts}
        self._by_key = {a.api_key: a for a in self.accounts.values()}
        self.clock = clock
        self._rng = random.Random(f"{seed}/tokens")
        self._nonces: dict[str, int] = {}  # api key -> last accepted nonce
        self._tokens: dict[str, _Token] = {}
        self._by_connection: dict[int, set[str]] = {}

    # --- signed REST requests -----------------------------------------------------------------

    def verify(
        self,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        permission: str | None = None,
    ) -> tuple[AccountSpec, dict[str, Any]]:
        """The account that signed this request and the request's parameters.

        ``headers`` are keyed by lower-case names. Checks in Kraken's order: key, body,
        signature, nonce, then ``permission`` (one of the account's permissions, if given).
        The nonce is consumed only by a request that passes every check.
        Raises :class:`CredentialError`.
        """
        account = self._by_key.get(headers.get("api-key", "").strip())
        if account is None:
            raise CredentialError(INVALID_KEY)
        params = parse_body(body, headers.get("content-type", ""))
        nonce_text = _nonce_text(params.get("nonce"))
        expected = sign(path, nonce_text, body, account.api_secret)
        given = headers.get("api-sign", "").strip().encode("latin-1", "replace")
        if not hmac.compare_digest(expected.encode("ascii"), given):
            raise CredentialError(INVALID_SIGNATURE)
        nonce = int(nonce_text)
        if nonce <= self._nonces.get(account.api_key, 0):
            raise CredentialError(INVALID_NONCE)
        if permission is not None and permission not in account.permissions:
            raise CredentialError(PERMISSION_DENIED)
        self._nonces[account.api_key] = nonce
        return account, params

    # --- tokens -------------------------------------------------------------------------------

    def issue_token(self, account: AccountSpec) -> str:
        """A fresh WebSocket token for ``account`` (43 base64 characters, like Kraken's)."""
        self._forget_expired()
        while True:
            token = base64.b64encode(self._rng.randbytes(32)).decode("ascii").rstrip("=")
            if token not in self._tokens:
                break
        self._tokens[token] = _Token(account.account_id, self.clock())
        return token

    def authorize(self, token: str, connection_id: int | None = None) -> str | None:
        """The account id ``token`` belongs to, or ``None`` if it is unknown or expired.

        With a ``connection_id`` the token stays valid on that connection from now on.
        """
        record = self._tokens.get(token)
        if record is None:
            return None
        if connection_id is not None and connection_id in record.connections:
            return record.account_id
        if self.clock() - record.issued_ns > TOKEN_LIFETIME * _NS:
            return None
        if connection_id is not None:
            record.connections.add(connection_id)
            self._by_connection.setdefault(connection_id, set()).add(token)
        return record.account_id

    def authorizer(self, connection_id: int) -> Callable[[str], str | None]:
        """``authorize`` bound to one connection (what a private or L3 session gets)."""

        def authorize(token: str) -> str | None:
            return self.authorize(token, connection_id)

        return authorize

    def release(self, connection_id: int) -> None:
        """The connection is gone: its tokens expire again on their own schedule."""
        for token in self._by_connection.pop(connection_id, ()):
            record = self._tokens.get(token)
            if record is not None:
                record.connections.discard(connection_id)

    def _forget_expired(self) -> None:
        """Drop expired tokens no connection holds (keeps the table small)."""
        horizon = self.clock() - TOKEN_LIFETIME * _NS
        stale = [t for t, r in self._tokens.items() if r.issued_ns < horizon and not r.connections]
        for token in stale:
            del self._tokens[token]


def sign(path: str, nonce: str, body: bytes, secret_b64: str) -> str:
    """Kraken's ``API-Sign`` of ``body`` sent to ``path`` with ``nonce`` (spec auth §3)."""
    digest = hashlib.sha256(nonce.encode("ascii") + body).digest()
    key = base64.b64decode(secret_b64)
    return base64.b64encode(hmac.new(key, path.encode() + digest, hashlib.sha512).digest()).decode()


def parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """A request body's parameters: a JSON object for ``application/json``, else a form.

    Raises :class:`CredentialError` (``EGeneral:Invalid arguments``) for a malformed body or a
    parameter given twice.
    """
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json":
        return _json_params(body)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise CredentialError(INVALID_ARGUMENTS) from None
    params = dict(pairs)
    if len(params) != len(pairs):
        raise CredentialError(INVALID_ARGUMENTS)
    return params


def _json_params(body: bytes) -> dict[str, Any]:
    try:
        params = msgspec.json.decode(body or b"{}")
    except msgspec.DecodeError:
        raise CredentialError(INVALID_ARGUMENTS) from None
    if not isinstance(params, dict):
        raise CredentialError(INVALID_ARGUMENTS)
    return params


def _nonce_text(value: Any) -> str:
    """The nonce as the client wrote it (the signed text); a positive uint64 or
    ``EAPI:Invalid nonce``. JSON bodies may carry it as a number or as a string."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise CredentialError(INVALID_NONCE)
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_NONCE:
        raise CredentialError(INVALID_NONCE)
    return text
