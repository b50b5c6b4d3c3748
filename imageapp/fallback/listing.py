"""Where a library form returns to: a library URL of this site, nothing else."""

from __future__ import annotations

from imageapp import urls
from imageapp.fallback.auth import safe_next


def library_back(raw: str | None) -> str:
    """The library URL (with its query) a bulk form came from; anything else is the library."""
    target = safe_next(raw)
    library = urls.NOJS_LIBRARY
    return target if target == library or target.startswith(f"{library}?") else library
