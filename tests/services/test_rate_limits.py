"""The API's rate limit counter in the database (SQLite and PostgreSQL) and in Redis: exact
under concurrent hits, per key, per window; ended windows are purged."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from imageapp.models import ApiRateCount
from imageapp.services import rate_limits
from imageapp.services.rate_limits import RateLimiter, purge_rate_counts
from tests.conftest import require_redis


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mid-window, so no window ends during a test (the limiter reads time.time)."""
    monkeypatch.setattr(rate_limits.time, "time", lambda: 1_000_000 * 60 + 30.0)


def test_database_counts_every_hit_across_threads(engine: Engine, frozen_clock: None) -> None:
    limiter = RateLimiter(engine=engine, redis_url="", limit=30)
    with ThreadPoolExecutor(max_workers=6) as pool:
        decisions = list(pool.map(lambda _: limiter.hit("api-token:a"), range(40)))
    assert sum(decision.allowed for decision in decisions) == 30
    with Session(engine) as session:
        assert [row.count for row in session.exec(select(ApiRateCount)).all()] == [40]
    refused = next(decision for decision in decisions if not decision.allowed)
    assert refused.retry_after == 30
    assert limiter.hit("api-token:b").allowed  # per key


def test_a_new_window_starts_afresh_and_old_ones_go(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    limiter = RateLimiter(engine=engine, redis_url="", limit=1)
    monkeypatch.setattr(rate_limits.time, "time", lambda: 6000.0)
    assert limiter.hit("k").allowed
    assert not limiter.hit("k").allowed
    monkeypatch.setattr(rate_limits.time, "time", lambda: 6060.0)
    assert limiter.hit("k").allowed
    with Session(engine) as session:  # the key's older window was dropped
        assert [row.window_start for row in session.exec(select(ApiRateCount)).all()] == [101]
    assert purge_rate_counts(engine, now=6200.0) == 1
    assert purge_rate_counts(engine, now=6200.0) == 0


def test_redis_counts_across_clients(engine: Engine, frozen_clock: None) -> None:
    url = require_redis()
    key = f"test:{uuid.uuid4().hex}"
    first = RateLimiter(engine=engine, redis_url=url, limit=3)
    second = RateLimiter(engine=engine, redis_url=url, limit=3)
    answers = [first.hit(key), second.hit(key), first.hit(key), second.hit(key)]
    assert [answer.allowed for answer in answers] == [True, True, True, False]
    assert answers[-1].retry_after == 30
    with Session(engine) as session:  # nothing in the database with Redis
        assert session.exec(select(ApiRateCount)).all() == []
