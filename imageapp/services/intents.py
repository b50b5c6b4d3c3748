"""Write intents: a file that is being written or validated can never be an orphan.

Every writer of ``temp/`` and ``images/`` announces the path of its file in the database
(``declare``, committed) BEFORE it creates the file, and removes that announcement in the very
transaction that records the file for good (``fulfil``: the pending row, the rendition rows).
The orphan sweeps of ``cleanup-temp`` list the directory first and ask the database after, in
one statement, for rows OR intents naming each file. A file that exists was created after its
intent was committed, so while its write is in progress the sweep always sees one of the two,
whatever ``--older-than`` says and however long the write takes.

Why not a grace age on file mtimes: it assumes no writer ever pauses longer than the grace
(a slow phone uploading 25 MB, a stalled client, a busy machine) and that the clocks of the web
machines, the storage and the cleanup machine agree; and a writer that paused past it would
still record a row for a file the sweep had just removed. Intents are seen through the
database that every process on every machine already shares; no clock decides what is live.

A crashed writer leaves its intent behind, so an intent is a lease: it expires ``LEASE`` after
its last renewal, and writers renew while they work (an upload on every chunk once
``RENEW_AFTER`` has passed, so an upload streaming for an hour keeps it). ``reclaim_expired``
deletes expired intents and the sweeps then remove their files. A writer that lost its lease
(stalled longer than ``LEASE``) finds out when it renews or records: ``renew`` and ``fulfil``
only succeed while its intent rows still exist, and both the reclaim and ``fulfil`` are
conditional deletes, so exactly one of them wins and no row can ever name a removed file.

Stored names are written once (fresh uuids; rendition names carry a random nonce), so a file
the sweep saw without row or intent can never gain one later: check-then-delete needs no lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from imageapp.models import FileIntent, utcnow

LEASE = timedelta(minutes=15)
RENEW_AFTER = timedelta(minutes=1)
# Built once (every upload runs them): building statements is per-request CPU.
_DECLARE = sa.insert(FileIntent)
_RENEW = (
    sa.update(FileIntent)
    .where(col(FileIntent.token) == sa.bindparam("intent_token"))
    .values(expires_at=sa.bindparam("new_expiry"))
)
_SETTLE = sa.delete(FileIntent).where(col(FileIntent.token) == sa.bindparam("intent_token"))
_HELD = (
    sa.select(sa.func.count())
    .select_from(FileIntent)
    .where(col(FileIntent.token) == sa.bindparam("intent_token"))
)


class IntentLost(Exception):
    """The writer's intent was reclaimed (it stalled past its lease); its files may be gone."""


@dataclass(frozen=True, slots=True)
class WriteIntent:
    """The announced files of one write operation."""

    token: str
    paths: tuple[str, ...]


class FileIntents:
    """Announce, renew and settle the files a process is about to write."""

    def __init__(
        self, engine: Engine, *, lease: timedelta = LEASE, renew_after: timedelta = RENEW_AFTER
    ) -> None:
        self.engine = engine
        self.lease = lease
        self.renew_after = renew_after

    def declare(self, paths: Iterable[str]) -> WriteIntent:
        """Announce these paths (committed on return): call it before creating the files."""
        intent = WriteIntent(token=str(uuid.uuid4()), paths=tuple(paths))
        expires_at = utcnow() + self.lease
        rows = [
            {"token": intent.token, "path": path, "expires_at": expires_at} for path in intent.paths
        ]
        with self.engine.begin() as connection:
            connection.execute(_DECLARE, rows)
        return intent

    def renew(self, intent: WriteIntent) -> None:
        """Extend the lease; IntentLost if it was reclaimed meanwhile."""
        with self.engine.begin() as connection:
            renewed = connection.execute(
                _RENEW, {"intent_token": intent.token, "new_expiry": utcnow() + self.lease}
            ).rowcount
        if renewed != len(intent.paths):
            raise IntentLost(intent.token)

    def fulfil(self, connection: Connection, intent: WriteIntent) -> None:
        """Settle the intent inside the transaction that records its files (IntentLost if gone).

        The caller's rows and this delete commit together: the files are never unannounced
        and unrecorded at the same time.
        """
        settled = connection.execute(_SETTLE, {"intent_token": intent.token}).rowcount
        if settled != len(intent.paths):
            raise IntentLost(intent.token)

    def withdraw(self, intent: WriteIntent) -> None:
        """Forget an intent whose files were removed (a refused upload, a failed write)."""
        with self.engine.begin() as connection:
            connection.execute(_SETTLE, {"intent_token": intent.token})

    def held(self, intent: WriteIntent) -> bool:
        """Whether every path of the intent is still announced (not reclaimed)."""
        with self.engine.connect() as connection:
            found = connection.scalar(_HELD, {"intent_token": intent.token})
        return found == len(intent.paths)

    def reclaim_expired(self) -> int:
        """Delete intents whose writer stopped renewing; their files become orphans."""
        with self.engine.begin() as connection:
            return connection.execute(
                sa.delete(FileIntent).where(col(FileIntent.expires_at) < utcnow())
            ).rowcount


def announced(paths: Iterable[str]) -> sa.Select[str]:
    """The given paths that some intent names (for the sweeps' one-statement check)."""
    return sa.select(col(FileIntent.path)).where(col(FileIntent.path).in_(list(paths)))
