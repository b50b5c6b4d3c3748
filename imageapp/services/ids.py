"""Row ids as addresses, forms and pages send them, bounded by what the database can hold.

Every id column is INTEGER: 32-bit signed on PostgreSQL (SQLite's is 64-bit). A larger number
names no row, and must never reach a query: PostgreSQL refuses it ("integer out of range") and
pysqlite cannot bind one past 2**63 (OverflowError). So it is treated like any unknown id.
"""

from __future__ import annotations

from typing import TypeGuard

MAX_ID = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ID))


def is_id(value: object) -> TypeGuard[int]:
    """An int (not a bool) that a row could have as its id."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def parse_id(raw: str | None) -> int | None:
    """An id (or page number) written in ASCII digits, or None for anything else: blank, junk,
    other scripts' digits, zero, or too large for any row."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0")  # leading zeros are harmless, but int() refuses 4300+ digits
    if not digits or len(digits) > _MAX_DIGITS:
        return None
    value = int(digits)
    return value if is_id(value) else None
