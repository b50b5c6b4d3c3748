"""A multipart/form-data body read chunk by chunk, its file part going straight to a sink.

Starlette's ``request.form()`` would spool the whole file to a temp file first; here the one
file field is validated while it streams in, and the small text fields are capped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from python_multipart.multipart import MultipartParser, parse_options_header

from imageapp.services.errors import UploadRejected

TEXT_FIELD_MAX = 4096


class FileSink(Protocol):
    def write(self, chunk: bytes) -> None: ...
    def abort(self) -> None: ...


class MalformedForm(Exception):
    """The body is not the form we serve (bad multipart, oversized text field)."""


def multipart_boundary(content_type: str | None) -> bytes | None:
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        return None
    return options.get(b"boundary") or None


class StreamingUploadForm:
    """Feeds one named file part to a sink opened on demand; collects the other text fields.

    ``open_file(filename, content_type, fields_so_far)`` may raise UploadRejected (e.g. a CSRF
    token missing before the file); then, like any refusal, the rest of the file is skipped,
    never stored, and ``error`` says why.
    """

    def __init__(
        self,
        *,
        boundary: bytes,
        file_field: str,
        open_file: Callable[[str, str | None, dict[str, str]], FileSink],
    ) -> None:
        self.fields: dict[str, str] = {}
        self.sink: FileSink | None = None
        self.file_seen = False
        self.error: UploadRejected | None = None
        self._file_field = file_field
        self._open_file = open_file
        self._headers: dict[bytes, bytes] = {}
        self._header_field = b""
        self._header_value = b""
        self._part_name: str | None = None
        self._part_is_file = False
        self._text = bytearray()
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except MalformedForm:
            raise
        except Exception as exc:  # python-multipart's own parse errors
            raise MalformedForm(str(exc)) from exc

    def finish(self) -> None:
        self._parser.finalize()

    def abort(self) -> None:
        if self.sink is not None:
            self.sink.abort()

    # -- parser callbacks ---------------------------------------------------------------------

    def _on_part_begin(self) -> None:
        self._headers = {}
        self._part_name = None
        self._part_is_file = False
        self._text.clear()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition"))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        self._part_name = name
        if b"filename" not in options or name != self._file_field or self.file_seen:
            return  # a text field, or a file we do not want (it is skipped)
        self.file_seen = True
        self._part_is_file = True
        filename = options[b"filename"].decode("utf-8", "replace")
        content_type = self._headers.get(b"content-type", b"").decode("latin-1") or None
        if self.error is None:
            try:
                self.sink = self._open_file(filename, content_type, dict(self.fields))
            except UploadRejected as refusal:
                self.error = refusal

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part_is_file:
            if self.sink is not None and self.error is None:
                try:
                    self.sink.write(data[start:end])
                except UploadRejected as refusal:
                    self.error = refusal
            return
        if self._part_name is not None:
            self._text += data[start:end]
            if len(self._text) > TEXT_FIELD_MAX:
                raise MalformedForm(f"form field {self._part_name!r} is too long")

    def _on_part_end(self) -> None:
        if not self._part_is_file and self._part_name is not None:
            self.fields.setdefault(self._part_name, self._text.decode("utf-8", "replace"))
