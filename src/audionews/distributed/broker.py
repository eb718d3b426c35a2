"""The broker's Redis: its URL checked and shown without a password, reached or refused at once.

Kept apart from queue.py (Celery and the whole pipeline) so that a command whose broker is down
says so before any of that is imported.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import redis

from audionews.errors import BrokerError, OptionError

CONNECT_TIMEOUT_S = 3.0


def redact(url: str) -> str:
    """The broker URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def check_url(url: str) -> None:
    if not url.startswith(("redis://", "rediss://", "redis+socket://", "unix://")):
        raise OptionError(
            f"broker {redact(url)!r}: give a Redis URL, redis://HOST:6379/0 (the queue, its "
            "results and its jobs all live in Redis)"
        )


def connect(url: str) -> redis.Redis:
    """A client of the broker's Redis, checked to answer; BrokerError at once if not."""
    check_url(url)
    client = redis.Redis.from_url(
        url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=10 * CONNECT_TIMEOUT_S
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        raise BrokerError(f"cannot reach the broker at {redact(url)}: {reason(exc)}") from None
    return client


def reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.rstrip(".")
