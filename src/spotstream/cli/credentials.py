"""Credentials and endpoints of the commands that need an account (``order``, private ``watch``).

Credentials never come from the command line (they would land in the shell history and in
``ps``). In order of precedence:

1. ``--config PATH``: a TOML file with ``api_key`` and ``api_secret``;
2. the environment: ``KRAKEN_API_KEY`` and ``KRAKEN_API_SECRET``;
3. the default config file, ``$XDG_CONFIG_HOME/spotstream/kraken.toml`` (that is,
   ``~/.config/spotstream/kraken.toml``), if it exists.

CoinEx's are found the same way (:func:`load_coinex_credentials`): ``access_id`` and
``secret_key`` in the file, ``COINEX_ACCESS_ID``/``COINEX_SECRET_KEY``, ``coinex.toml``.

A config file accessible by group or others is refused, as ssh refuses a private key.
Endpoints default to Kraken's for the ``--api`` version, or to the environment:
``SPOTSTREAM_KRAKEN_{PUBLIC,PRIVATE,L3}_URL`` for v2 (the names the :mod:`spotstream.compat`
facade reads), ``SPOTSTREAM_KRAKEN_V1_{PUBLIC,PRIVATE}_URL`` for v1, and
``SPOTSTREAM_KRAKEN_REST_URL`` for both, so every command can be pointed at ``spotstream
sim`` at once; an option on the command line overrides both.
"""

from __future__ import annotations

import argparse
import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path

from spotstream.auth.coinex import ACCESS_ID_ENV, SECRET_KEY_ENV, CoinExCredentials
from spotstream.auth.kraken import Credentials
from spotstream.coinex.endpoints import (
    COINEX_REST_URL,
    COINEX_REST_URL_ENV,
    COINEX_V1_URL,
    COINEX_V1_URL_ENV,
    COINEX_V2_URL,
    COINEX_V2_URL_ENV,
)
from spotstream.errors import InvalidCredentialsError
from spotstream.kraken.client import KrakenSocketClient
from spotstream.kraken.versions import (
    KRAKEN_REST_URL,
    KRAKEN_V1_PRIVATE_URL,
    KRAKEN_V1_PUBLIC_URL,
    KRAKEN_V2_L3_URL,
    KRAKEN_V2_PRIVATE_URL,
    KRAKEN_V2_PUBLIC_URL,
    ApiVersion,
)

KEY_ENV, SECRET_ENV = "KRAKEN_API_KEY", "KRAKEN_API_SECRET"
API_VERSIONS: dict[str, ApiVersion] = {"v1": 1, "v2": 2}
_REST = ("SPOTSTREAM_KRAKEN_REST_URL", KRAKEN_REST_URL)
# option dest -> API version -> (environment variable, Kraken's endpoint)
ENDPOINTS: dict[str, dict[ApiVersion, tuple[str, str]]] = {
    "url": {
        2: ("SPOTSTREAM_KRAKEN_PUBLIC_URL", KRAKEN_V2_PUBLIC_URL),
        1: ("SPOTSTREAM_KRAKEN_V1_PUBLIC_URL", KRAKEN_V1_PUBLIC_URL),
    },
    "private_url": {
        2: ("SPOTSTREAM_KRAKEN_PRIVATE_URL", KRAKEN_V2_PRIVATE_URL),
        1: ("SPOTSTREAM_KRAKEN_V1_PRIVATE_URL", KRAKEN_V1_PRIVATE_URL),
    },
    "l3_url": {2: ("SPOTSTREAM_KRAKEN_L3_URL", KRAKEN_V2_L3_URL)},
    "rest_url": {2: _REST, 1: _REST},
}
EXCHANGES = ("kraken", "coinex")
# option dest -> (environment variable, CoinEx's endpoint)
COINEX_ENDPOINTS: dict[str, tuple[str, str]] = {
    "url": (COINEX_V2_URL_ENV, COINEX_V2_URL),
    "rest_url": (COINEX_REST_URL_ENV, COINEX_REST_URL),
}
_OPTION_HELP = {
    "url": "public websocket endpoint",
    "private_url": "private (authenticated) websocket endpoint",
    "l3_url": "level-3 websocket endpoint",
    "rest_url": "REST endpoint (session tokens; v1: pair precisions)",
}
_TOO_OPEN = stat.S_IRWXG | stat.S_IRWXO
CONNECT_TIMEOUT = 10.0


def endpoint_default(
    dest: str, version: ApiVersion = 2, environ: Mapping[str, str] | None = None
) -> str | None:
    """The default of an endpoint option for API ``version``: its environment variable if
    set, else Kraken's (``None``: the version has no such endpoint)."""
    env = os.environ if environ is None else environ
    known = ENDPOINTS[dest].get(version)
    if known is None:
        return None
    name, kraken = known
    return env.get(name) or kraken


def resolve_endpoints(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> None:
    """Fill the endpoint options not given on the command line, for ``--exchange`` and
    ``--api``'s version."""
    if getattr(args, "exchange", "kraken") == "coinex":
        env = os.environ if environ is None else environ
        endpoints = dict(COINEX_ENDPOINTS)
        if getattr(args, "api", "v2") == "v1":
            endpoints["url"] = (COINEX_V1_URL_ENV, COINEX_V1_URL)
        for dest, (name, default) in endpoints.items():
            if hasattr(args, dest) and getattr(args, dest) is None:
                setattr(args, dest, env.get(name) or default)
        return
    version = API_VERSIONS[getattr(args, "api", "v2")]
    for dest in ENDPOINTS:
        if hasattr(args, dest) and getattr(args, dest) is None:
            setattr(args, dest, endpoint_default(dest, version, environ))


def add_exchange_option(parser: argparse.ArgumentParser, text: str | None = None) -> None:
    coinex = ", ".join(f"{env}" for env, _ in COINEX_ENDPOINTS.values())
    parser.add_argument(
        "--exchange",
        choices=EXCHANGES,
        default="kraken",
        help=text or f"kraken (default) or coinex (socket API v2; env {coinex})",
    )


def add_api_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api",
        choices=list(API_VERSIONS),
        default="v2",
        help="API version: Kraken WebSocket v1 or v2, CoinEx socket v1 (retired) or v2 "
        "(default v2)",
    )


def _env_help(dest: str) -> str:
    names = " / ".join(f"v{v}: {env}" for v, (env, _) in sorted(ENDPOINTS[dest].items()))
    return f"{_OPTION_HELP[dest]} (env {names}; default Kraken's)"


def add_public_url_option(parser: argparse.ArgumentParser) -> None:
    """``--api``, ``--url`` and ``--rest-url`` (v1 reads pair precisions over REST)."""
    add_api_option(parser)
    parser.add_argument("--url", help=_env_help("url"))
    parser.add_argument("--rest-url", dest="rest_url", help=_env_help("rest_url"))


def add_account_options(parser: argparse.ArgumentParser) -> None:
    """``--api``, ``--url``, ``--private-url``, ``--l3-url``, ``--rest-url``, ``--config``,
    ``--transport``."""
    add_public_url_option(parser)
    for dest in ("private_url", "l3_url"):
        parser.add_argument("--" + dest.replace("_", "-"), dest=dest, help=_env_help(dest))
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="TOML file with api_key and api_secret (mode 600); default: "
        "$KRAKEN_API_KEY/$KRAKEN_API_SECRET, else ~/.config/spotstream/kraken.toml",
    )
    parser.add_argument("--transport", default="picows", choices=["picows", "websockets"])


def default_config_path(environ: Mapping[str, str] | None = None, exchange: str = "kraken") -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "spotstream" / f"{exchange}.toml"


def load_credentials(
    config: str | None = None, environ: Mapping[str, str] | None = None
) -> Credentials:
    """The account's credentials (see the module docstring for where they are looked for).

    Raises :class:`InvalidCredentialsError` with a message that says what to do; no message
    ever contains the secret.
    """
    env = os.environ if environ is None else environ
    if config is not None:
        return read_config(Path(config).expanduser())
    if env.get(KEY_ENV) or env.get(SECRET_ENV):
        return Credentials.from_env(environ=env)
    default = default_config_path(env)
    if default.exists():
        return read_config(default)
    raise InvalidCredentialsError(
        f"no Kraken API credentials: set {KEY_ENV} and {SECRET_ENV}, or write api_key and "
        f"api_secret to {default} (chmod 600), or pass --config PATH"
    )


def load_coinex_credentials(
    config: str | None = None, environ: Mapping[str, str] | None = None
) -> CoinExCredentials:
    """A CoinEx account's credentials, looked for as Kraken's are: ``--config PATH``, then
    ``COINEX_ACCESS_ID``/``COINEX_SECRET_KEY``, then ``~/.config/spotstream/coinex.toml``
    (``access_id`` and ``secret_key``, mode 600)."""
    env = os.environ if environ is None else environ
    if config is not None:
        return read_coinex_config(Path(config).expanduser())
    if env.get(ACCESS_ID_ENV) or env.get(SECRET_KEY_ENV):
        return CoinExCredentials.from_env(env)
    default = default_config_path(env, "coinex")
    if default.exists():
        return read_coinex_config(default)
    raise InvalidCredentialsError(
        f"no CoinEx API credentials: set {ACCESS_ID_ENV} and {SECRET_KEY_ENV}, or write "
        f"access_id and secret_key to {default} (chmod 600), or pass --config PATH"
    )


def read_config(path: Path) -> Credentials:
    """Kraken credentials from a TOML file that only its owner can access."""
    key, secret = _read_pair(path, "api_key", "api_secret")
    try:
        return Credentials(key, secret)
    except InvalidCredentialsError as exc:
        raise InvalidCredentialsError(f"{path}: {exc}") from None


def read_coinex_config(path: Path) -> CoinExCredentials:
    """CoinEx credentials from a TOML file that only its owner can access."""
    access_id, secret_key = _read_pair(path, "access_id", "secret_key")
    try:
        return CoinExCredentials(access_id, secret_key)
    except InvalidCredentialsError as exc:
        raise InvalidCredentialsError(f"{path}: {exc}") from None


def _read_pair(path: Path, first: str, second: str) -> tuple[str, str]:
    try:
        # Opened first and checked through the open file, so that the file checked is the
        # file read (no swap between the check and the read).
        with path.open("rb") as file:
            check_private(path, os.fstat(file.fileno()).st_mode)
            document = tomllib.load(file)
    except FileNotFoundError:
        raise InvalidCredentialsError(f"{path}: no such config file") from None
    except OSError as exc:
        raise InvalidCredentialsError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        # The parser's message gives a position, never the offending text.
        raise InvalidCredentialsError(f"{path}: not valid TOML ({exc})") from None
    one, two = document.get(first), document.get(second)
    if not isinstance(one, str) or not isinstance(two, str):
        raise InvalidCredentialsError(f"{path}: needs {first} and {second} (strings)")
    return one, two


def check_private(path: Path, mode: int) -> None:
    """Refuse a credentials file that group or others may read, write or execute."""
    if os.name == "nt":
        return  # POSIX mode bits mean nothing there
    if mode & _TOO_OPEN:
        raise InvalidCredentialsError(
            f"{path}: permissions {stat.S_IMODE(mode):04o} are too open: this file holds an "
            f"API secret and must be accessible by its owner only; run: chmod 600 {path}"
        )


def open_client(args: argparse.Namespace, credentials: Credentials) -> KrakenSocketClient:
    """A client for the endpoints the options name.

    Connecting and getting a token may take up to :data:`CONNECT_TIMEOUT` seconds (or
    ``--timeout``, if longer); a short ``--timeout`` bounds only the trading request itself.
    """
    resolve_endpoints(args)  # for callers that parsed the options without main()
    timeout = getattr(args, "timeout", None)
    return KrakenSocketClient(
        api_version=API_VERSIONS[args.api],
        url=args.url,
        private_url=args.private_url,
        l3_url=args.l3_url,
        rest_url=args.rest_url,
        credentials=credentials,
        transport=args.transport,
        request_timeout=max(CONNECT_TIMEOUT, timeout or 0.0),
    )
