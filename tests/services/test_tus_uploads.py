"""The tus service's writer lease and finishing on SQLite and PostgreSQL, both backends:
one writer per upload whatever races, a lapsed writer keeps nothing, finishing is once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imageapp.models import Image, TusUpload, utcnow
from imageapp.services.storage import TUS_PARTS, Storage
from imageapp.services.tus_uploads import (
    DONE,
    FINISHING,
    SPOOL_PREFIX,
    PatchWriter,
    TusError,
    TusState,
    TusUploadService,
    spool_dir,
)
from imageapp.services.uploads import UploadService
from tests.factories import a_store
from tests.images import jpeg_bytes
from tests.stored import names, put_bytes

OWNER = "user:1"


@pytest.fixture
def tus(uploads: UploadService) -> TusUploadService:
    return TusUploadService(uploads=uploads)


def new(tus: TusUploadService, data: bytes) -> TusState:
    store = a_store(tus.engine)
    return tus.create(owner=OWNER, store_id=store, user_id=None, length=len(data), metadata=None)


def writer(tus: TusUploadService, state: TusState, offset: int) -> PatchWriter:
    opened = tus.open_patch(state.id, OWNER, offset)
    assert isinstance(opened, PatchWriter)
    return opened


def lapse_leases(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(sa.update(TusUpload).values(lease_until=utcnow() - timedelta(seconds=1)))


def pending_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(Image)) or 0


def test_a_second_writer_is_refused_then_the_offset_has_moved(tus: TusUploadService) -> None:
    data = jpeg_bytes(seed=31)
    state = new(tus, data)
    first = writer(tus, state, 0)
    with pytest.raises(TusError) as refused:
        tus.open_patch(state.id, OWNER, 0)
    assert refused.value.code == "locked"
    first.write(data[:100])
    assert first.commit().offset == 100
    with pytest.raises(TusError) as late:
        tus.open_patch(state.id, OWNER, 0)
    assert late.value.code == "offset_mismatch"


def test_racing_writers_get_one_lease(tus: TusUploadService) -> None:
    data = jpeg_bytes(seed=32)
    state = new(tus, data)
    barrier = threading.Barrier(6)
    won: list[PatchWriter] = []
    lost: list[str] = []

    def race() -> None:
        barrier.wait()
        try:
            won.append(writer(tus, state, 0))
        except TusError as error:
            lost.append(error.code)

    threads = [threading.Thread(target=race) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert lost == ["locked"] * 5
    won[0].abort()


def test_a_writer_whose_lease_lapsed_and_was_taken_keeps_nothing(
    tus: TusUploadService, storage: Storage
) -> None:
    data = jpeg_bytes(seed=33)
    state = new(tus, data)
    slow = writer(tus, state, 0)
    slow.write(data[:50])
    lapse_leases(tus.engine)
    fast = writer(tus, state, 0)  # the client gave up on the slow one and retried
    fast.write(data[:80])
    with pytest.raises(TusError) as refused:
        slow.commit()
    assert refused.value.code == "locked"
    assert fast.commit().offset == 80
    assert names(storage, TUS_PARTS) == [fast.part.rpartition("/")[2]]
    assert tus.get(state.id, OWNER).offset == 80


def test_a_writer_that_let_its_lease_lapse_keeps_nothing(
    tus: TusUploadService, storage: Storage
) -> None:
    """Nobody took it over, yet its part may have been swept meanwhile: it must not count."""
    data = jpeg_bytes(seed=37)
    state = new(tus, data)
    stalled = writer(tus, state, 0)
    stalled.write(data[:60])
    lapse_leases(tus.engine)
    assert not tus.renew(state.id, stalled.writer)
    with pytest.raises(TusError) as refused:
        stalled.commit()
    assert refused.value.code == "locked"
    assert tus.get(state.id, OWNER).offset == 0
    assert names(storage, TUS_PARTS) == []
    assert writer(tus, state, 0).commit().offset == 0  # the next PATCH takes the lease


def test_finishing_is_once_and_a_crashed_finisher_is_taken_over(
    tus: TusUploadService, storage: Storage
) -> None:
    data = jpeg_bytes(seed=34)
    state = new(tus, data)
    last = writer(tus, state, 0)
    last.write(data)
    last.path.parent.mkdir(parents=True, exist_ok=True)
    # The bytes are in, then the process dies before step 1: the row says finishing.
    last._handle.close()  # type: ignore[union-attr]
    last._handle = None
    if last._spooled:
        storage.put_file(last.part, last.path)
    advanced = tus.commit_part(last.state, last.writer, last.part, len(data))
    assert advanced.state == FINISHING
    with pytest.raises(TusError) as busy:  # its lease still runs: nobody else finishes it
        tus.finish_if_complete(state.id, OWNER)
    assert busy.value.code == "locked"
    with tus.engine.begin() as connection:  # expired, yet leased: never removed under it
        connection.execute(sa.update(TusUpload).values(expires_at=utcnow()))
    assert tus.cleanup.cleanup_expired() == 0
    with tus.engine.begin() as connection:
        connection.execute(sa.update(TusUpload).values(expires_at=utcnow() + timedelta(hours=1)))
    lapse_leases(tus.engine)
    finished = tus.finish_if_complete(state.id, OWNER)
    assert finished.state == DONE
    assert finished.result is not None
    assert tus.finish_if_complete(state.id, OWNER).result == finished.result
    retried = tus.open_patch(state.id, OWNER, len(data))
    assert isinstance(retried, TusState)
    assert retried.result == finished.result
    assert pending_count(tus.engine) == 1
    assert names(storage, TUS_PARTS) == []


def test_the_orphan_sweep_spares_listed_and_leased_parts(
    tus: TusUploadService, storage: Storage
) -> None:
    data = jpeg_bytes(seed=35)
    kept = new(tus, data)
    listed = writer(tus, kept, 0)
    listed.write(data[:10])
    listed.commit()
    streaming = writer(tus, tus.get(kept.id, OWNER), 10)
    put_bytes(storage, streaming.part, b"bytes of a PATCH streaming")  # as a bucket has it
    put_bytes(storage, f"{TUS_PARTS}/{'0' * 32}.000000000000.{'1' * 32}", b"killed writer")
    assert tus.cleanup.sweep_orphan_parts(timedelta(0)) == 1
    assert len(names(storage, TUS_PARTS)) == 2
    streaming.abort()  # the lease ends; say its process died leaving the part behind
    put_bytes(storage, streaming.part, b"bytes of a PATCH that was killed")
    assert tus.cleanup.sweep_orphan_parts(timedelta(0)) == 1
    assert names(storage, TUS_PARTS) == [listed.part.rpartition("/")[2]]


@pytest.mark.parametrize(
    "storage_backend", [pytest.param("s3", marks=pytest.mark.s3)], indirect=True
)
def test_spool_files_a_killed_patch_left_are_swept(tus: TusUploadService, storage: Storage) -> None:
    """For a bucket a PATCH spools its bytes locally first; a process killed meanwhile leaves
    that spool file behind, a PATCH still streaming keeps its own."""
    data = jpeg_bytes(seed=36)
    live = writer(tus, new(tus, data), 0)
    live.write(data[:100])
    assert live._spooled
    dead = spool_dir(tus.settings, storage) / f"{SPOOL_PREFIX}{'0' * 32}.{'1' * 32}"
    dead.write_bytes(b"bytes of a killed PATCH")
    assert tus.cleanup.sweep_spooled_patches(timedelta(0)) == 1
    assert not dead.exists()
    assert live.path.exists()
    assert live.commit().offset == 100
