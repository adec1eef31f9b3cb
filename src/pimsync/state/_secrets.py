"""Encryption of stored secrets with Fernet.

The key comes from ``PIMSYNC_SECRET_KEY`` or from a key file (mode 0600) that
``pimsync init`` creates. Without the key, stored secrets cannot be read back.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson
from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from pimsync.errors import ConfigError


class SecretBox:
    """Encrypts and decrypts a connection's secret fields as one token."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError:
            raise ConfigError(
                "the secret key is not a valid Fernet key (32 url-safe base64-encoded bytes); "
                "generate one with `pimsync init` or "
                'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"'
            ) from None

    def __repr__(self) -> str:
        return "SecretBox(***)"

    def seal(self, secrets: dict[str, SecretStr]) -> str:
        """The encrypted token for ``secrets``."""
        plain = orjson.dumps({k: v.get_secret_value() for k, v in secrets.items()})
        return self._fernet.encrypt(plain).decode("ascii")

    def open(self, token: str) -> dict[str, SecretStr]:
        """The secrets in ``token``; :class:`ConfigError` if the key does not match."""
        try:
            plain = self._fernet.decrypt(token.encode("ascii"))
        except InvalidToken:
            raise ConfigError(
                "stored secrets cannot be decrypted with the current secret key; "
                "restore the key used to store them (PIMSYNC_SECRET_KEY or the key file) "
                "or add the connection's secrets again"
            ) from None
        return {k: SecretStr(v) for k, v in orjson.loads(plain).items()}


def create_key_file(path: Path) -> bool:
    """Create a new key file at ``path`` readable only by its owner; False if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(Fernet.generate_key())
    return True


def load_secret_box(secret_key: SecretStr | None, key_file: Path) -> SecretBox:
    """The box for ``secret_key`` or, without it, for the key in ``key_file``.

    Raises :class:`ConfigError` when neither is available or the file is readable by others.
    """
    if secret_key is not None:
        return SecretBox(secret_key.get_secret_value().encode("ascii"))
    if not key_file.exists():
        raise ConfigError(
            f"no secret key: set PIMSYNC_SECRET_KEY or run `pimsync init` to create {key_file}"
        )
    if os.name == "posix" and key_file.stat().st_mode & 0o077:
        raise ConfigError(f"{key_file} is readable by other users; run: chmod 600 {key_file}")
    return SecretBox(key_file.read_bytes().strip())
