"""Step-2 metadata: parsing and checking what a person typed, with one message per bad field."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from imageapp.services.errors import MetadataInvalid

TITLE_MAX = 200
ALT_TEXT_MAX = 250
DESCRIPTION_MAX = 5000
SLUG_MAX = 200
TAGS_MAX = 20
TAG_MAX = 50
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class ImageMetadata:
    """Checked metadata. ``slug`` is None when the person left it empty (made from the title)."""

    title: str
    alt_text: str
    description: str
    slug: str | None
    tags: tuple[str, ...]


def _single_line(value: str | None) -> str:
    """Trim and drop control characters (a title is one line)."""
    text = unicodedata.normalize("NFC", value or "")
    return " ".join("".join(ch for ch in text if unicodedata.category(ch)[0] != "C").split())


def _multi_line(value: str | None) -> str:
    text = unicodedata.normalize("NFC", (value or "").replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C").strip()


def slugify(text: str) -> str:
    """ASCII slug of ``text`` ('Été à Paris!' -> 'ete-a-paris'); empty if nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


def parse_tags(raw: str | None) -> list[str]:
    """Comma separated -> trimmed, lowercased, deduplicated, in the order given."""
    seen: dict[str, None] = {}
    for part in (raw or "").split(","):
        tag = _single_line(part).lower()
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def _length_error(label: str, value: str, limit: int) -> str | None:
    if len(value) > limit:
        return f"{label} is {len(value)} characters long; the limit is {limit}."
    return None


def _tags_error(tags: list[str]) -> str | None:
    if len(tags) > TAGS_MAX:
        return f"Use at most {TAGS_MAX} tags (you gave {len(tags)})."
    too_long = [tag for tag in tags if len(tag) > TAG_MAX]
    if too_long:
        return f"Each tag may have at most {TAG_MAX} characters: '{too_long[0][:60]}…' is longer."
    return None


def _slug_error(slug: str) -> str | None:
    if len(slug) > SLUG_MAX:
        return f"The slug is {len(slug)} characters long; the limit is {SLUG_MAX}."
    if not SLUG_PATTERN.match(slug):
        return (
            "Use only lowercase letters a-z, digits and single hyphens between them, "
            "e.g. 'summer-beach-2024'."
        )
    return None


def parse_metadata(
    *,
    title: str | None,
    alt_text: str | None,
    description: str | None = None,
    slug: str | None = None,
    tags: str | None = None,
) -> ImageMetadata:
    """Checked metadata; raises MetadataInvalid with one message per bad field."""
    clean_title = _single_line(title)
    clean_alt = _single_line(alt_text)
    clean_description = _multi_line(description)
    clean_slug = (slug or "").strip().lower()
    tag_list = parse_tags(tags)
    checks = {
        "title": "Enter a title."
        if not clean_title
        else _length_error("The title", clean_title, TITLE_MAX),
        "alt_text": "Describe the image for people who cannot see it (alt text)."
        if not clean_alt
        else _length_error("The alt text", clean_alt, ALT_TEXT_MAX),
        "description": _length_error("The description", clean_description, DESCRIPTION_MAX),
        "slug": _slug_error(clean_slug) if clean_slug else None,
        "tags": _tags_error(tag_list),
    }
    errors = {field: message for field, message in checks.items() if message}
    if errors:
        raise MetadataInvalid(errors)
    return ImageMetadata(
        title=clean_title,
        alt_text=clean_alt,
        description=clean_description,
        slug=clean_slug or None,
        tags=tuple(tag_list),
    )
