"""Every query over images goes through services/scoping.py, so none can forget the trash (or
the store). A raw ``Image.status`` / ``Image.store_id`` / ``Image.trashed_at`` condition is
allowed only where the trash does not apply, each module with its reason; a new one fails
here until it uses the helpers (``in_library``, ``served``, ``in_trash``) or says why not."""

from __future__ import annotations

import re
from pathlib import Path

import imageapp

PACKAGE = Path(imageapp.__file__).parent
RAW = re.compile(r"\bImage\.(status|store_id|trashed_at)\b")
# module -> why a raw condition is right there
ALLOWED = {
    "services/scoping.py": "the helpers themselves",
    "services/uploads.py": "pending uploads (never in the trash) and finalizing them",
    "services/cleanup.py": "pending uploads; deleting rows the caller scoped",
    "services/renditions.py": "renditions are kept for trashed images (a restore needs them)",
    "services/rendition_jobs.py": "the same: trashed images keep their renditions",
    "services/rebuild.py": "the same: trashed images keep their renditions",
    "services/quotas.py": "the quota counts every row of the store, the trash included",
    "services/accounts.py": "first-run setup claims images that have no store yet",
    "services/trash.py": "the trash's own order and expiry (on top of in_trash / trashed)",
}
# Modules that list, count or serve images: they must use the scoping helpers.
READERS = (
    "services/library.py",
    "services/media.py",
    "services/thumbnails.py",
    "services/duplicates.py",
    "services/galleries.py",
    "services/bulk.py",
    "services/trash.py",
)


def raw_conditions() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        lines = [line.strip() for line in path.read_text().splitlines() if RAW.search(line)]
        if lines and not module.startswith("models"):
            found[module] = lines
    return found


def test_raw_image_conditions_only_where_the_trash_does_not_apply() -> None:
    unexplained = {
        module: lines for module, lines in raw_conditions().items() if module not in ALLOWED
    }
    assert unexplained == {}, (
        "query images through imageapp.services.scoping (in_library, served, in_trash), "
        "or add the module to ALLOWED with the reason the trash does not apply there"
    )


def test_every_reader_uses_the_scoping_helpers() -> None:
    for module in READERS:
        source = (PACKAGE / module).read_text()
        assert "from imageapp.services.scoping import" in source, module
