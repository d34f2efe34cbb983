"""Paging and sorting read from a URL: only offered values are used, anything else falls back."""

from __future__ import annotations

import pytest

from app.domain.paging import DEFAULT_SIZE, PageRequest, page_in_python

SORTS = ("name", "due")


@pytest.mark.parametrize(
    ("args", "number", "size", "sort", "descending"),
    [
        ({}, 1, DEFAULT_SIZE, "name", False),
        ({"page": "3", "size": "25", "sort": "-due"}, 3, 25, "due", True),
        ({"page": "0"}, 1, DEFAULT_SIZE, "name", False),
        ({"page": "-2"}, 1, DEFAULT_SIZE, "name", False),
        ({"page": "two"}, 1, DEFAULT_SIZE, "name", False),
        ({"page": "9" * 40}, 1, DEFAULT_SIZE, "name", False),
        ({"page": "²"}, 1, DEFAULT_SIZE, "name", False),
        ({"size": "7"}, 1, DEFAULT_SIZE, "name", False),
        ({"size": "100000"}, 1, DEFAULT_SIZE, "name", False),
        ({"sort": "name; DROP TABLE person"}, 1, DEFAULT_SIZE, "name", False),
        ({"sort": "-"}, 1, DEFAULT_SIZE, "name", False),
        ({"sort": "--due"}, 1, DEFAULT_SIZE, "name", False),
        ({"sort": " due "}, 1, DEFAULT_SIZE, "due", False),
    ],
)
def test_a_request_keeps_what_the_table_offers_and_drops_the_rest(
    args, number, size, sort, descending
):
    asked = PageRequest.from_args(args, SORTS, "name")
    assert (asked.number, asked.size, asked.sort, asked.descending) == (
        number,
        size,
        sort,
        descending,
    )


def test_a_descending_default_opens_newest_first():
    asked = PageRequest.from_args({"sort": "bogus"}, SORTS, "-due")
    assert (asked.sort, asked.descending) == ("due", True)


def test_a_sorted_header_links_to_the_other_direction_and_says_which():
    asked = PageRequest(sort="name")
    assert asked.sort_param("name") == "-name"
    assert asked.sort_param("due") == "due"
    assert asked.aria_sort("name") == "ascending"
    assert asked.aria_sort("due") is None
    falling = PageRequest(sort="name", descending=True)
    assert falling.sort_param("name") == "name"
    assert falling.aria_sort("name") == "descending"


def test_a_page_says_which_rows_it_holds():
    page = PageRequest(number=2, size=50).page(10_000)
    assert (page.first, page.last, page.offset, page.pages) == (51, 100, 50, 200)
    assert (page.previous, page.next) == (1, 3)
    assert page.window == [1, 2, 3, 4, None, 200]


def test_a_page_past_the_end_is_the_last_and_an_empty_list_has_one_page():
    assert PageRequest(number=9, size=10).page(25).number == 3
    empty = PageRequest(number=4).page(0)
    assert (empty.number, empty.first, empty.last, empty.pages, empty.next) == (1, 0, 0, 1, None)


def test_the_pager_window_marks_gaps_between_far_pages():
    assert PageRequest(number=10, size=10).page(200).window == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert PageRequest(number=1, size=10).page(30).window == [1, 2, 3]


def test_rows_computed_in_python_sort_with_unknown_values_last_either_way():
    rows = [{"n": 2}, {"n": None}, {"n": 1}, {"n": 3}]
    keys = {"name": lambda r: r["n"]}
    _, rising = page_in_python(rows, PageRequest(sort="name", size=10), keys)
    _, falling = page_in_python(rows, PageRequest(sort="name", descending=True, size=10), keys)
    assert [r["n"] for r in rising] == [1, 2, 3, None]
    assert [r["n"] for r in falling] == [3, 2, 1, None]
    page, second = page_in_python(rows, PageRequest(number=2, sort="name", size=10), keys)
    assert (page.number, len(second)) == (1, 4)
