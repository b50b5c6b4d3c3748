"""A fixed-window request counter shared by every web worker: in Redis when the app has one
(IMAGEAPP_REDIS_URL), else in the database (one row per key and window, counted with an
atomic upsert), like the login throttle, which counts its rows in the database too.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import redis
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import col

from imageapp.models import ApiRateCount

WINDOW_SECONDS = 60


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    retry_after: int  # seconds until the window ends (when refused)


@functools.cache
def _redis(url: str) -> redis.Redis:
    """One client (and its connection pool) per URL and process."""
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


class RateLimiter:
    """``hit(key)`` counts one request of ``key`` and says whether it is within ``limit``."""

    def __init__(self, *, engine: Engine, redis_url: str, limit: int) -> None:
        self.engine = engine
        self.redis_url = redis_url
        self.limit = limit

    def hit(self, key: str) -> RateDecision:
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        count = self._count_redis(key, window) if self.redis_url else self._count_db(key, window)
        retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
        return RateDecision(allowed=count <= self.limit, retry_after=retry_after)

    def _count_redis(self, key: str, window: int) -> int:
        name = f"imageapp:rate:{key}:{window}"
        pipeline = _redis(self.redis_url).pipeline()
        pipeline.incr(name)
        pipeline.expire(name, WINDOW_SECONDS * 2)
        count, _ = pipeline.execute()
        return int(count)

    def _count_db(self, key: str, window: int) -> int:
        with self.engine.begin() as connection:
            insert = (
                postgresql.insert(ApiRateCount)
                if connection.dialect.name == "postgresql"
                else sqlite.insert(ApiRateCount)
            )
            count = connection.execute(
                insert.values(key=key, window_start=window, count=1)
                .on_conflict_do_update(
                    index_elements=["key", "window_start"],
                    set_={"count": ApiRateCount.__table__.c["count"] + 1},  # type: ignore[attr-defined]
                )
                .returning(col(ApiRateCount.count))
            ).scalar_one()
            if count == 1:  # a new window: the key's older ones count no more
                connection.execute(
                    sa.delete(ApiRateCount).where(
                        col(ApiRateCount.key) == key, col(ApiRateCount.window_start) < window
                    )
                )
        return int(count)


def purge_rate_counts(engine: Engine, *, now: float | None = None) -> int:
    """Forget the counters of windows that have ended (a token that stopped calling keeps
    its last one until then); returns how many went. Part of the periodic clean-up."""
    current = int((time.time() if now is None else now) // WINDOW_SECONDS)
    with engine.begin() as connection:
        gone = connection.execute(
            sa.delete(ApiRateCount).where(col(ApiRateCount.window_start) < current)
        ).rowcount
    return int(gone or 0)
