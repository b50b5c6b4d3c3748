"""What the library shows, as every front end's URL names it
(``?status=&gallery=&tag=&q=&sort=&page=``).

One model for the Reflex library, the no-JS library and the API: the UIs read a URL leniently
(``from_params``: whatever it says, made safe), the API validates it (``model_validate``: a
bad value is a 422), and all of them write it back the same way (``params``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from imageapp.services.ids import parse_id
from imageapp.services.library import LibraryFilter
from imageapp.services.metadata import TAG_MAX

STATUSES = ("active", "inactive", "all")
# "newest": newest upload first (a gallery: its own order); "taken": newest date taken first.
SORTS = ("newest", "taken")
TEXT_MAX = 200  # words to find in titles and descriptions
Status = Literal["active", "inactive", "all"]
Sort = Literal["newest", "taken"]


class LibraryQuery(BaseModel):
    """A status, and optionally a gallery, a tag and words to find; the order and the page."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    status: Status = "active"
    gallery_id: int | None = Field(default=None, ge=1)
    tag: str = Field(default="", max_length=TAG_MAX)  # no tag is longer, so none would match
    text: str = Field(default="", max_length=TEXT_MAX)
    sort: Sort = "newest"
    page: int = Field(default=1, ge=1)

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> LibraryQuery:
        """A URL's query made safe: unknown or malformed values fall back to the defaults,
        text is trimmed and cut to its limit."""
        status = params.get("status", "")
        sort = params.get("sort", "")
        return cls(
            status=status if status in STATUSES else "active",
            gallery_id=parse_id(params.get("gallery")),
            tag=params.get("tag", "").strip()[:TAG_MAX],
            text=params.get("q", "").strip()[:TEXT_MAX],
            sort=sort if sort in SORTS else "newest",
            page=parse_id(params.get("page")) or 1,
        )

    @property
    def filtered(self) -> bool:
        """Whether anything but the default (active images, all of them) is asked for."""
        return (self.status, self.gallery_id, self.tag, self.text) != ("active", None, "", "")

    def filters(self) -> LibraryFilter:
        return LibraryFilter(
            status=self.status, gallery_id=self.gallery_id, tag=self.tag, text=self.text
        )

    def first_page(self) -> LibraryQuery:
        return self.model_copy(update={"page": 1})

    def params(self, *, page: int | None = None, **extra: str) -> dict[str, str]:
        """This query as URL parameters on ``page`` (defaults left out), plus ``extra``."""
        shown = page or self.page
        params = {
            "status": "" if self.status == "active" else self.status,
            "gallery": str(self.gallery_id or ""),
            "tag": self.tag,
            "q": self.text,
            "sort": "" if self.sort == "newest" else self.sort,
            "page": "" if shown <= 1 else str(shown),
            **extra,
        }
        return {name: value for name, value in params.items() if value}
