"""The library page's query (filters, page, "select all"), read leniently from the URL and
written back into its links, and the ids that forms send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from imageapp.fallback.auth import safe_next
from imageapp.services.ids import parse_id
from imageapp.services.library import LibraryFilter

LIBRARY = "/nojs/images"
STATUSES = ("active", "inactive", "all")


def count_images(count: int) -> str:
    return f"{count} image" if count == 1 else f"{count} images"


def library_back(raw: str | None) -> str:
    """Where a library form returns to: a library URL of this site, nothing else."""
    target = safe_next(raw)
    return target if target == LIBRARY or target.startswith(f"{LIBRARY}?") else LIBRARY


@dataclass(frozen=True, slots=True)
class LibraryQuery:
    status: str = "active"
    gallery_id: int | None = None
    tag: str = ""
    text: str = ""
    page: int = 1
    select_all: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> LibraryQuery:
        """Unknown or malformed values fall back to the defaults instead of failing."""
        status = params.get("status", "")
        return cls(
            status=status if status in STATUSES else "active",
            gallery_id=parse_id(params.get("gallery")),
            tag=params.get("tag", "").strip()[:50],
            text=params.get("q", "").strip()[:200],
            page=parse_id(params.get("page")) or 1,
            select_all=params.get("select") == "all",
        )

    @property
    def filtered(self) -> bool:
        return (self.status, self.gallery_id, self.tag, self.text) != ("active", None, "", "")

    def filters(self) -> LibraryFilter:
        return LibraryFilter(
            status=self.status, gallery_id=self.gallery_id, tag=self.tag, text=self.text
        )

    def url(self, *, page: int | None = None, select_all: bool = False) -> str:
        """This query's URL (defaults left out), on ``page``, optionally with every box checked."""
        query = replace(self, page=page or self.page, select_all=select_all)
        params = {
            "status": "" if query.status == "active" else query.status,
            "gallery": str(query.gallery_id or ""),
            "tag": query.tag,
            "q": query.text,
            "page": "" if query.page == 1 else str(query.page),
            "select": "all" if query.select_all else "",
        }
        encoded = urlencode({key: value for key, value in params.items() if value})
        return f"{LIBRARY}?{encoded}" if encoded else LIBRARY
