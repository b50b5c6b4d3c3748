"""The library's query, as both UIs read it from a URL and write it back (and the API checks it)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from imageapp.services.library_query import LibraryQuery
from imageapp.services.metadata import TAG_MAX


@pytest.mark.parametrize(
    ("params", "query"),
    [
        ({}, LibraryQuery()),
        (
            {"q": " sea ", "tag": "Boats", "gallery": "7", "status": "all"},
            LibraryQuery(text="sea", tag="Boats", gallery_id=7, status="all"),
        ),
        ({"gallery": "x7", "status": "pending"}, LibraryQuery()),
        ({"gallery": "9" * 19}, LibraryQuery()),
        ({"page": "0"}, LibraryQuery()),
        ({"page": "3", "select": "all"}, LibraryQuery(page=3)),
        ({"sort": "taken"}, LibraryQuery(sort="taken")),
        ({"sort": "random"}, LibraryQuery()),
    ],
)
def test_a_query_from_the_url_is_made_safe(params: dict[str, str], query: LibraryQuery) -> None:
    assert LibraryQuery.from_params(params) == query


def test_both_uis_cut_text_at_the_same_limits() -> None:
    """A tag filter longer than any tag matches nothing: both UIs cut it at TAG_MAX."""
    query = LibraryQuery.from_params({"tag": "t" * 500, "q": "w" * 500})
    assert (len(query.tag), len(query.text)) == (TAG_MAX, 200)


def test_a_query_round_trips_through_the_url() -> None:
    query = LibraryQuery(text="sea & sun", tag="boats", gallery_id=7, status="inactive")

    params = query.params(page=2)

    assert params == {
        "status": "inactive",
        "gallery": "7",
        "tag": "boats",
        "q": "sea & sun",
        "page": "2",
    }
    assert LibraryQuery.from_params(params) == query.model_copy(update={"page": 2})
    assert LibraryQuery().params() == {}
    assert (query.filtered, LibraryQuery().filtered) == (True, False)


@pytest.mark.parametrize(
    "params",
    [{"status": "pending"}, {"gallery_id": 0}, {"tag": "t" * (TAG_MAX + 1)}, {"page": 0}],
)
def test_the_api_gets_a_validation_error_for_bad_values(params: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        LibraryQuery.model_validate(params)


def test_the_sort_by_date_taken_is_kept_in_every_link() -> None:
    query = LibraryQuery(sort="taken", tag="boats")
    assert query.params(page=2) == {"tag": "boats", "sort": "taken", "page": "2"}
    assert LibraryQuery().params() == {}  # the default order is not spelled out
    assert not LibraryQuery(sort="taken").filtered  # an order, not a filter
    with pytest.raises(ValidationError):
        LibraryQuery.model_validate({"sort": "random"})  # the API: a bad value is a 422
