"""The auth package's errors (defined in :mod:`spotstream.errors`, re-exported here)."""

from spotstream.errors import AuthenticationError, InvalidCredentialsError

__all__ = ["AuthenticationError", "InvalidCredentialsError"]
