"""Short-lived values that every worker on every machine must see: the database or Redis.

LTI launches span several requests (login, launch, later service calls) that a load balancer may
send to different gunicorn workers, so login state and its nonce, the claims a later request
reads, platform key sets and access tokens can never live in one process's memory. Values are
JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, Protocol

import redis
from flask import Flask, current_app
from sqlalchemy import Connection, Engine, Integer, Text, case, cast, delete, select

from app.extensions import db
from app.models.base import insert_for, utc_now
from app.models.lti import StoreEntry


class SharedStore(Protocol):
    """Expiring key-value storage shared by all workers."""

    def get(self, key: str) -> Any:
        """The value, or None when absent or expired."""

    def set(self, key: str, value: Any, ttl_seconds: int) -> None:
        """Store a value that disappears after ttl_seconds."""

    def take(self, key: str) -> Any:
        """Atomically read and delete: of two concurrent callers only one gets the value."""

    def delete(self, key: str) -> None:
        """Forget a value now."""

    def purge_expired(self) -> int:
        """Remove what has expired; returns how many entries went."""

    def increment(self, key: str, ttl_seconds: int) -> int:
        """Count one more event in a window that starts with the first (for rate limits)."""

    def reachable(self) -> None:
        """Return once the store answers; raise its own error when it cannot be reached."""

    def together(self) -> AbstractContextManager[None]:
        """Make the writes inside the block one transaction, committed as the block ends.

        Committed even when the block raises: a launch refused half-way must still have spent
        what it took. Only for consecutive store calls with no other database writes between
        them (on SQLite the block holds the write lock until it ends).
        """


class DatabaseStore:
    """The embedded default: a table, written on its own connection so it commits on its own.

    A launch that later fails must still have consumed its nonce, so these writes never ride on
    the request's session and its rollback. Consecutive writes can share one commit (`together`);
    the connection of such a block is per thread of execution (a context variable), so concurrent
    requests never share it.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._batch: ContextVar[Connection | None] = ContextVar("imr_store_batch", default=None)
        # Built once: making the ON CONFLICT construct cost more than running it.
        statement = insert_for(engine.dialect.name)(StoreEntry)
        self._set_statement = statement.on_conflict_do_update(
            index_elements=[StoreEntry.key],
            set_={"value": statement.excluded.value, "expires_at": statement.excluded.expires_at},
        )

    def reachable(self) -> None:
        with self._engine.connect() as conn:
            conn.execute(select(1))

    @contextmanager
    def together(self) -> Iterator[None]:
        if self._batch.get() is not None:
            yield
            return
        with self._engine.connect() as conn:
            token = self._batch.set(conn)
            try:
                yield
            finally:
                self._batch.reset(token)
                conn.commit()

    @contextmanager
    def _connection(self, writing: bool = True) -> Iterator[Connection]:
        """The block's connection inside `together`; else one of its own, committed if writing."""
        batch = self._batch.get()
        if batch is not None:
            yield batch
            return
        with self._engine.begin() if writing else self._engine.connect() as conn:
            yield conn

    def get(self, key: str) -> Any:
        query = select(StoreEntry.value).where(
            StoreEntry.key == key, StoreEntry.expires_at > utc_now()
        )
        with self._connection(writing=False) as conn:
            raw = conn.execute(query).scalar_one_or_none()
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl_seconds: int) -> None:
        row = {
            "key": key,
            "value": json.dumps(value),
            "expires_at": utc_now() + timedelta(seconds=ttl_seconds),
        }
        with self._connection() as conn:
            conn.execute(self._set_statement.values(row))

    def take(self, key: str) -> Any:
        statement = (
            delete(StoreEntry)
            .where(StoreEntry.key == key)
            .returning(StoreEntry.value, StoreEntry.expires_at)
        )
        with self._connection() as conn:
            row = conn.execute(statement).one_or_none()
        if row is None:
            return None
        value, expires_at = row
        return json.loads(value) if expires_at > utc_now() else None

    def delete(self, key: str) -> None:
        with self._connection() as conn:
            conn.execute(delete(StoreEntry).where(StoreEntry.key == key))

    def increment(self, key: str, ttl_seconds: int) -> int:
        """One statement that counts and answers, so concurrent requests can never share a count.

        INSERT … ON CONFLICT DO UPDATE … RETURNING: a new window starts at 1 (also when the old
        one has expired); otherwise the stored count goes up by one, atomically.
        """
        now = utc_now()
        table = StoreEntry.__table__
        statement = insert_for(self._engine.dialect.name)(StoreEntry).values(
            key=key, value="1", expires_at=now + timedelta(seconds=ttl_seconds)
        )
        expired = table.c.expires_at <= now
        statement = statement.on_conflict_do_update(
            index_elements=[StoreEntry.key],
            set_={
                "value": case(
                    (expired, "1"),
                    else_=cast(cast(table.c.value, Integer) + 1, Text),
                ),
                "expires_at": case(
                    (expired, statement.excluded.expires_at), else_=table.c.expires_at
                ),
            },
        ).returning(StoreEntry.value)
        with self._connection() as conn:
            return int(conn.execute(statement).scalar_one())

    def purge_expired(self) -> int:
        with self._engine.begin() as conn:
            result = conn.execute(delete(StoreEntry).where(StoreEntry.expires_at <= utc_now()))
        return result.rowcount


def _decoded(raw: object) -> Any:
    """A stored JSON value, or None (redis-py types a synchronous client's answers loosely)."""
    if raw is None:
        return None
    if not isinstance(raw, bytes | str):
        raise TypeError(f"Redis answered {type(raw).__name__}, not a stored value")
    return json.loads(raw)


class RedisStore:
    """Production: Redis, which expires keys by itself."""

    def __init__(self, url: str, prefix: str = "imr:") -> None:
        # Bounded waits: an unreachable Redis answers a page with 503 in seconds, not minutes.
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5)
        self._prefix = prefix

    def get(self, key: str) -> Any:
        return _decoded(self._redis.get(self._prefix + key))

    def set(self, key: str, value: Any, ttl_seconds: int) -> None:
        self._redis.set(self._prefix + key, json.dumps(value), ex=max(1, ttl_seconds))

    def take(self, key: str) -> Any:
        return _decoded(self._redis.getdel(self._prefix + key))

    def delete(self, key: str) -> None:
        self._redis.delete(self._prefix + key)

    def increment(self, key: str, ttl_seconds: int) -> int:
        pipe = self._redis.pipeline()
        pipe.incr(self._prefix + key)
        pipe.expire(self._prefix + key, ttl_seconds, nx=True)
        return int(pipe.execute()[0])

    def purge_expired(self) -> int:
        return 0

    def reachable(self) -> None:
        self._redis.ping()

    @contextmanager
    def together(self) -> Iterator[None]:
        """Nothing to gather: each Redis command is atomic and durable on its own."""
        yield


def init_store(app: Flask) -> None:
    """Choose the store for this app: Redis when configured, the database otherwise."""
    settings = app.config["IMR_SETTINGS"]
    if settings.redis_url:
        app.extensions["imr_store"] = RedisStore(settings.redis_url)
    else:
        with app.app_context():
            app.extensions["imr_store"] = DatabaseStore(db.engine)


def current_store() -> SharedStore:
    """The shared store of the running app."""
    return current_app.extensions["imr_store"]
