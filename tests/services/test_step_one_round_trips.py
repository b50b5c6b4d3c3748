"""Step 1's cost in database round trips (issue 18: per-request work decides its throughput).

Each pool checkout is a ping on PostgreSQL (``pool_pre_ping``) and each transaction a commit;
a step 1 needs three of each: the early quota check, the write intent, and the pending row
(with the duplicate check on the same connection).
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imageapp.services.accounts import AccountService
from imageapp.services.uploads import UploadService
from tests.images import jpeg_bytes


def test_a_step_one_takes_three_checkouts_and_six_statements(
    uploads: UploadService, engine: Engine
) -> None:
    user = AccountService(engine).create_user(
        store_name="Harbour", email="alice@example.com", password="long password 1"
    )
    statements: list[str] = []
    checkouts: list[object] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql != "BEGIN IMMEDIATE":  # SQLite's way of taking the write lock first
            statements.append(sql)

    sa.event.listen(engine, "before_cursor_execute", statement)
    sa.event.listen(engine.pool, "checkout", lambda *_args: checkouts.append(_args))
    try:
        pending = uploads.create_pending(
            stream=BytesIO(jpeg_bytes((400, 300))),
            filename="p.jpg",
            owner=user.upload_owner,
            store_id=user.store_id,
            uploaded_by=user.id,
        )
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
    assert pending.duplicates == ()
    # quota (early), intent; then intent settled, quota (locking), row, duplicates
    assert len(statements) == 6, statements
    assert len(checkouts) == 3
