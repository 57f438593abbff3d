"""The small core shared by the in-image runtime and the host side: standard library only.

- :func:`parse_s3_url`: ``s3://bucket/key`` -> (bucket, key), refusing credentials and endpoints in the URL;
- :func:`parse_bool`: a flag as a real boolean (``'False'`` is false, unlike ``bool('False')``);
- :func:`is_secret_name` (the rule for parameters and variables), :func:`looks_secret` (the stricter rule for
  settings shown to a user), :func:`redact` and :func:`redact_environment`;
- :func:`atomic_write`: a file written whole or not at all.

Errors are ``ValueError`` with a message fit for the user; each caller wraps them in its own error type.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = [
    "MASK",
    "MIN_REDACTED",
    "S3_URL_PREFIX",
    "atomic_write",
    "is_secret_name",
    "looks_secret",
    "name_words",
    "parse_bool",
    "parse_s3_url",
    "redact",
    "redact_environment",
]

S3_URL_PREFIX = "s3://"
# Bucket names as S3 accepts them (lower case, digits, '.', '-'; 3 to 63 characters).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_TRUE = frozenset({"true", "1", "yes", "y", "on", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "off", "f", "", "none"})

_SECRET_WORDS = frozenset({
    "pass", "pw", "pwd", "passwd", "password", "passphrase", "token", "secret", "credential", "credentials",
    "apikey", "accesskey", "secretkey", "privatekey", "sastoken", "authtoken", "bearer",
})  # fmt: skip
_SECRET_PAIRS = frozenset({
    ("api", "key"), ("access", "key"), ("private", "key"), ("secret", "key"), ("auth", "token"),
    ("access", "token"), ("client", "secret"), ("sas", "token"), ("account", "key"), ("master", "key"),
})  # fmt: skip
_SECRET_PARTS = ("password", "passwd", "secret", "apikey", "credential", "passphrase")
# What makes a setting's name secret-like when it is shown to a user: any of these anywhere in it.
_SECRET_LIKE = re.compile(r"secret|passw|token|key|credential", re.IGNORECASE)
MIN_REDACTED = 4  # shorter values would hide unrelated text all over a message
MASK = "********"  # what a user is shown in place of a secret (logs, settings, reports)


def parse_s3_url(url: str) -> tuple[str, str]:
    """Split ``s3://bucket/key`` into bucket and key (``""`` without one); ValueError for anything else.

    A URL that carries credentials or an endpoint (``s3://user:secret@host/...``) is refused without
    repeating it: those come from the environment (boto3's chain), never from a URL.
    """
    if not url.startswith(S3_URL_PREFIX):
        raise ValueError("expected an s3://bucket/... URL")
    bucket, _, key = url[len(S3_URL_PREFIX):].partition("/")
    if "@" in bucket or ":" in bucket:
        raise ValueError(
            "S3 URLs must not carry credentials or endpoints (s3://bucket/prefix only): pass them as "
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_ENDPOINT_URL_S3"
        )
    if not bucket:
        raise ValueError("S3 URL without a bucket")
    if not _BUCKET.match(bucket):
        raise ValueError(f"{url}: not an S3 URL (expected s3://BUCKET[/KEY] with a valid bucket name)")
    return bucket, key


def parse_bool(value: str | bool | None, name: str = "value") -> bool:
    """Parse a flag as a real boolean: ``'False'``, ``'false'``, ``'0'``, ``''`` are false (unlike ``bool(str)``)."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name}: expected a boolean (true/false, 1/0, yes/no), got {value!r}")


def name_words(name: str) -> list[str]:
    """The lower-case words of an identifier: ``storePass`` and ``store_pass`` give ``['store', 'pass']``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [word for word in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if word]


def is_secret_name(name: str) -> bool:
    """Tell whether the name marks a secret (a parameter, an environment variable).

    A word of the name is a secret word (``pass``, ``pw``, ``pwd``, ``token``,
    ``secret``, ``credential(s)``, ``apikey``, ...) or two adjacent words
    make one (``api key``, ``access key``, ``private key``, ``secret key``,
    ``auth token``); or the name contains ``password``, ``passwd``,
    ``secret``, ``apikey``, ``credential`` or ``passphrase`` (``dbpassword``).
    ``max_tokens`` and ``tokenizer`` are no secrets: their words are not ``token``.
    """
    words = name_words(name)
    if any(word in _SECRET_WORDS for word in words):
        return True
    if any(pair in _SECRET_PAIRS for pair in itertools.pairwise(words)):
        return True
    joined = "".join(words)
    return any(part in joined for part in _SECRET_PARTS)


def looks_secret(name: str) -> bool:
    """Tell whether a value shown to a user must be masked: the stricter rule.

    :func:`is_secret_name`, or ``secret``, ``passw``, ``token``, ``key`` or ``credential`` anywhere in the
    name (so ``max_tokens`` and ``ssh_keyfile`` too).
    """
    return is_secret_name(name) or bool(_SECRET_LIKE.search(name))


def redact(text: str, secrets: Iterable[str], mask: str = "***") -> str:
    """``text`` with every one of ``secrets`` (those of at least 4 characters, longest first) replaced by ``mask``."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_REDACTED}, key=lambda s: (-len(s), s)):
        text = text.replace(secret, mask)
    return text


def redact_environment(text: str, environ: Mapping[str, str] | None = None, mask: str = "***") -> str:
    """``text`` with the value of every environment variable whose name is a secret name replaced by ``mask``."""
    env = os.environ if environ is None else environ
    return redact(text, (value for name, value in env.items() if is_secret_name(name)), mask)


def atomic_write(path: str | os.PathLike[str], data: str | bytes | Iterable[str | bytes],
                 mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` whole or not at all (a temporary file beside it, then ``os.replace``).

    ``data`` may also be an iterable of pieces, written one after the other (a large file is then never
    held whole). ``mode`` sets the file's permissions (default: a new file's, after the umask). Returns the path.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{target.name}.{os.urandom(6).hex()}.tmp"
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666 if mode is None else mode)
    try:
        with os.fdopen(handle, "wb") as stream:
            if mode is not None:
                os.fchmod(stream.fileno(), mode)
            for piece in [data] if isinstance(data, str | bytes) else data:
                stream.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target
