"""Credentials and endpoints of the commands that need an account (``order``, private ``watch``).

Credentials never come from the command line (they would land in the shell history and in
``ps``). In order of precedence:

1. ``--config PATH``: a TOML file with ``api_key`` and ``api_secret``;
2. the environment: ``KRAKEN_API_KEY`` and ``KRAKEN_API_SECRET``;
3. the default config file, ``$XDG_CONFIG_HOME/spotstream/kraken.toml`` (that is,
   ``~/.config/spotstream/kraken.toml``), if it exists.

A config file accessible by group or others is refused, as ssh refuses a private key.
Endpoints default to Kraken's, or to ``SPOTSTREAM_KRAKEN_{PUBLIC,PRIVATE,L3,REST}_URL``
(the names the :mod:`spotstream.compat` facade reads), so every command can be pointed at
``spotstream sim`` at once.
"""

from __future__ import annotations

import argparse
import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path

from spotstream.auth.kraken import Credentials
from spotstream.errors import InvalidCredentialsError
from spotstream.kraken.client import (
    KRAKEN_REST_URL,
    KRAKEN_V2_L3_URL,
    KRAKEN_V2_PRIVATE_URL,
    KRAKEN_V2_PUBLIC_URL,
    KrakenSocketClient,
)

KEY_ENV, SECRET_ENV = "KRAKEN_API_KEY", "KRAKEN_API_SECRET"
# option dest -> (environment variable, Kraken's endpoint)
ENDPOINTS: dict[str, tuple[str, str]] = {
    "url": ("SPOTSTREAM_KRAKEN_PUBLIC_URL", KRAKEN_V2_PUBLIC_URL),
    "private_url": ("SPOTSTREAM_KRAKEN_PRIVATE_URL", KRAKEN_V2_PRIVATE_URL),
    "l3_url": ("SPOTSTREAM_KRAKEN_L3_URL", KRAKEN_V2_L3_URL),
    "rest_url": ("SPOTSTREAM_KRAKEN_REST_URL", KRAKEN_REST_URL),
}
_OPTION_HELP = {
    "url": "public websocket endpoint",
    "private_url": "private (authenticated) websocket endpoint",
    "l3_url": "level-3 websocket endpoint",
    "rest_url": "REST endpoint (session tokens)",
}
_TOO_OPEN = stat.S_IRWXG | stat.S_IRWXO
CONNECT_TIMEOUT = 10.0


def endpoint_default(dest: str, environ: Mapping[str, str] | None = None) -> str:
    """The default of an endpoint option: its environment variable if set, else Kraken's."""
    env = os.environ if environ is None else environ
    name, kraken = ENDPOINTS[dest]
    return env.get(name) or kraken


def add_public_url_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url",
        default=endpoint_default("url"),
        help=f"{_OPTION_HELP['url']} (env {ENDPOINTS['url'][0]}; default Kraken's)",
    )


def add_account_options(parser: argparse.ArgumentParser) -> None:
    """``--url``, ``--private-url``, ``--l3-url``, ``--rest-url``, ``--config``, ``--transport``."""
    add_public_url_option(parser)
    for dest in ("private_url", "l3_url", "rest_url"):
        parser.add_argument(
            "--" + dest.replace("_", "-"),
            dest=dest,
            default=endpoint_default(dest),
            help=f"{_OPTION_HELP[dest]} (env {ENDPOINTS[dest][0]}; default Kraken's)",
        )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="TOML file with api_key and api_secret (mode 600); default: "
        "$KRAKEN_API_KEY/$KRAKEN_API_SECRET, else ~/.config/spotstream/kraken.toml",
    )
    parser.add_argument("--transport", default="picows", choices=["picows", "websockets"])


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "spotstream" / "kraken.toml"


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


def read_config(path: Path) -> Credentials:
    """Credentials from a TOML file that only its owner can access."""
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
    key, secret = document.get("api_key"), document.get("api_secret")
    if not isinstance(key, str) or not isinstance(secret, str):
        raise InvalidCredentialsError(f"{path}: needs api_key and api_secret (strings)")
    try:
        return Credentials(key, secret)
    except InvalidCredentialsError as exc:
        raise InvalidCredentialsError(f"{path}: {exc}") from None


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
    timeout = getattr(args, "timeout", None)
    return KrakenSocketClient(
        url=args.url,
        private_url=args.private_url,
        l3_url=args.l3_url,
        rest_url=args.rest_url,
        credentials=credentials,
        transport=args.transport,
        request_timeout=max(CONNECT_TIMEOUT, timeout or 0.0),
    )
