"""Which slice of a long list a page shows, and in which order: read from the URL, never trusted.

Every list page takes `page`, `size` and `sort` from its query string. Anything it cannot use (a
word for a page number, a size nobody offered, a column the table does not sort by) falls back
to the first page, the default size and the table's default order, so a hand-edited or stale link
still shows a page rather than an error. A sort is only ever one of the keys the table names, so
nothing from the request reaches SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

SIZES = (10, 25, 50, 100, 200)
DEFAULT_SIZE = 50
WINDOW = 2


def _whole(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdecimal() and len(text) < 10 else None


@dataclass(frozen=True)
class PageRequest:
    """The page, size and order asked for, already narrowed to what the table offers."""

    number: int = 1
    size: int = DEFAULT_SIZE
    sort: str = ""
    descending: bool = False

    @classmethod
    def from_args(
        cls, args: Mapping[str, str], sorts: Collection[str], default: str
    ) -> PageRequest:
        """Read `page`, `size` and `sort` (`name`, or `-name` for descending) from a query string.

        `default` is a key of `sorts`, with a leading `-` when the table opens newest first.
        """
        size = _whole(args.get("size"))
        wanted = (args.get("sort") or "").strip() or default
        key = wanted.removeprefix("-")
        if key not in sorts:
            wanted, key = default, default.removeprefix("-")
        return cls(
            number=max(_whole(args.get("page")) or 1, 1),
            size=size if size in SIZES else DEFAULT_SIZE,
            sort=key,
            descending=wanted.startswith("-"),
        )

    def sort_param(self, key: str) -> str:
        """The `sort` value a column's header links to: its key, reversed if already chosen."""
        return f"-{key}" if key == self.sort and not self.descending else key

    def aria_sort(self, key: str) -> str | None:
        """`ascending` or `descending` for the column the table is sorted by, else None."""
        if key != self.sort:
            return None
        return "descending" if self.descending else "ascending"

    def page(self, total: int) -> Page:
        """The page to show out of `total` rows: a number past the end shows the last page."""
        pages = max((total + self.size - 1) // self.size, 1)
        return Page(self, min(self.number, pages), total, pages)


@dataclass(frozen=True)
class Page:
    """One page of a list: where it starts, how many there are, what the pager links to."""

    request: PageRequest
    number: int
    total: int
    pages: int

    @property
    def size(self) -> int:
        return self.request.size

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first(self) -> int:
        """The 1-based position of the page's first row (0 on an empty list)."""
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.offset + self.size, self.total)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None

    @property
    def window(self) -> list[int | None]:
        """Page numbers to link: the first, the last and those near this one; None is a gap."""
        near = set(range(self.number - WINDOW, self.number + WINDOW + 1))
        shown = sorted({1, self.pages} | (near & set(range(1, self.pages + 1))))
        numbers: list[int | None] = []
        for number in shown:
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers

    def slice(self, rows: list[T]) -> list[T]:
        """This page's rows out of a list already in order (for lists computed in Python)."""
        return rows[self.offset : self.offset + self.size]


def page_in_python(
    rows: list[T], request: PageRequest, keys: Mapping[str, Callable[[T], Any]]
) -> tuple[Page, list[T]]:
    """Sort rows computed in Python by the chosen key (values not yet known last), then slice.

    For lists whose columns are computed rather than stored (statistics, attendance rates), once
    every row is in memory anyway; lists read from the database page in SQL instead.
    """
    key = keys[request.sort]
    known = sorted((r for r in rows if key(r) is not None), key=key, reverse=request.descending)
    ordered = known + [r for r in rows if key(r) is None]
    page = request.page(len(ordered))
    return page, page.slice(ordered)
