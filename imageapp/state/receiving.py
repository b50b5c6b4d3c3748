"""One file streamed by Reflex (``rx.upload_files_chunk``) into the upload service, step 1.

Chunks are gathered into small batches and written off the event loop, so memory stays at one
batch whatever the file's size, and the chunk iterator's back-pressure slows the browser down
while the disk catches up. Reflex fails the whole request if its handler stops reading early,
so after a refusal the rest of the body is still read, and thrown away.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol, TypeVar

from imageapp.services.accounts import CurrentUser
from imageapp.services.errors import UploadNotFound, UploadRejected
from imageapp.services.incoming import IncomingUpload
from imageapp.services.uploads import PendingUpload, UploadService

# Bytes gathered before one write to disk (one thread hop per batch, not per network chunk).
BATCH_BYTES = 256 * 1024
Result = TypeVar("Result")


class Chunk(Protocol):
    """What ``rx.UploadChunk`` carries (a protocol, so tests need no HTTP request)."""

    @property
    def filename(self) -> str: ...
    @property
    def offset(self) -> int: ...
    @property
    def content_type(self) -> str: ...
    @property
    def data(self) -> bytes: ...


# (bytes received so far, whether every byte is in)
ProgressCallback = Callable[[int, bool], Awaitable[None]]


def nothing_arrived() -> UploadRejected:
    return UploadRejected(
        "no_file", "The file did not arrive (was the page reloaded?). Please choose it again."
    )


async def off_loop(
    function: Callable[[], Result], *, abandoned: Callable[[Result], object] | None = None
) -> Result:
    """Run blocking work in a thread; if cancelled meanwhile, let it finish before unwinding.

    A temp file must never be aborted by one thread while another still writes to it, and a
    result nobody will receive any more is handed to ``abandoned`` (to undo it).
    """
    work = asyncio.ensure_future(asyncio.to_thread(function))
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        await asyncio.wait({work})
        if abandoned is not None and not work.cancelled() and work.exception() is None:
            await asyncio.to_thread(abandoned, work.result())
        raise


async def drain(chunks: AsyncIterator[Chunk]) -> None:
    """Read and forget the rest of a request (Reflex requires every chunk to be consumed)."""
    async for _chunk in chunks:
        pass


class FileReceiver:
    """Feeds the one file of an upload request into ``UploadService.receive``."""

    def __init__(
        self, uploads: UploadService, user: CurrentUser, on_progress: ProgressCallback
    ) -> None:
        self.uploads = uploads
        self.user = user
        self.on_progress = on_progress
        self.incoming: IncomingUpload[PendingUpload] | None = None
        self.refusal: UploadRejected | None = None
        self.received = 0
        self._batch = bytearray()

    async def receive(self, chunks: AsyncIterator[Chunk]) -> PendingUpload:
        """The pending upload made from the streamed file; raises UploadRejected if refused."""
        try:
            async for chunk in chunks:
                await self._accept(chunk)
            await self._flush()
        except BaseException:
            await self._abort()
            raise
        if self.refusal is not None:
            raise self.refusal
        if self.incoming is None:
            raise nothing_arrived()
        await self.on_progress(self.received, True)
        return await off_loop(self.incoming.finish, abandoned=self._cancel_pending)

    async def _accept(self, chunk: Chunk) -> None:
        if self.incoming is None and self.refusal is None:
            await self._open(chunk)
        elif chunk.offset == 0 and self.received > 0 and self.refusal is None:
            # A second file in the same request: the browser sends one; anything else is refused.
            self.refusal = UploadRejected("several_files", "Send one file per upload.")
            await self._abort()
        if self.refusal is not None:
            return  # keep reading, keep nothing
        self.received += len(chunk.data)
        self._batch += chunk.data
        if len(self._batch) >= BATCH_BYTES:
            await self._flush()
            await self.on_progress(self.received, False)

    async def _open(self, chunk: Chunk) -> None:
        """Start the file (the store's quota is checked here, before a byte is kept)."""
        receive = functools.partial(
            self.uploads.receive,
            filename=chunk.filename,
            client_mime_type=chunk.content_type,
            owner=self.user.upload_owner,
            store_id=self.user.store_id,
            uploaded_by=self.user.id,
        )
        try:
            self.incoming = await off_loop(receive)
        except UploadRejected as refusal:
            self.refusal = refusal

    async def _flush(self) -> None:
        data, self._batch = bytes(self._batch), bytearray()
        if not data or self.incoming is None or self.refusal is not None:
            return
        try:
            await off_loop(functools.partial(self.incoming.write, data))
        except UploadRejected as refusal:
            self.refusal = refusal
            await self._abort()

    async def _abort(self) -> None:
        """Remove whatever part of the file reached the disk."""
        if self.incoming is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(asyncio.to_thread(self.incoming.abort))

    def _cancel_pending(self, pending: PendingUpload) -> None:
        """Undo a pending upload recorded after its request was cancelled."""
        with contextlib.suppress(UploadNotFound):
            self.uploads.cancel(token=pending.upload_token, owner=self.user.upload_owner)
