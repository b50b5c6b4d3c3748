"""Reading ids from addresses and forms: only numbers a row of any supported database can have."""

from __future__ import annotations

import pytest

from imageapp.services.ids import MAX_ID, is_id, parse_id


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("1", 1),
        (" 12 ", 12),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        ("0" * 5000 + "7", 7),  # int() alone refuses 4300+ digits
        (str(MAX_ID + 1), None),  # past PostgreSQL's INTEGER
        (str(2**63), None),  # past SQLite's integer
        ("9" * 5000, None),
        ("0", None),
        ("", None),
        (None, None),
        ("-1", None),
        ("+5", None),
        ("1e3", None),
        ("²", None),  # a digit to str.isdigit(), not to int()
        ("١٢", None),  # Arabic-Indic digits: int() reads them, an address should not
    ],
)
def test_parse_id(raw: str | None, parsed: int | None) -> None:
    assert parse_id(raw) == parsed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, True),
        (MAX_ID, True),
        (MAX_ID + 1, False),
        (0, False),
        (-3, False),
        (True, False),
        ("5", False),
        (5.0, False),
        (None, False),
    ],
)
def test_is_id(value: object, expected: bool) -> None:
    assert is_id(value) is expected
