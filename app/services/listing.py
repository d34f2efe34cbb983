"""One page of a list in SQL: the rows counted with COUNT and fetched with LIMIT, in a chosen order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute

from app.domain.paging import Page, PageRequest
from app.extensions import db

# Each sort key: the columns (or mapped attributes) it orders by, a unique one last.
Orders = Mapping[str, Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]]]


def ordered(query: Select[Any], request: PageRequest, orders: Orders) -> Select[Any]:
    """Order by the columns of the chosen sort key (reversed when descending), empty values last.

    Each key's columns end with a unique one, so rows never swap places between pages.
    """
    columns = orders[request.sort]
    return query.order_by(
        *((c.desc() if request.descending else c.asc()).nulls_last() for c in columns)
    )


def paged(
    query: Select[Any], request: PageRequest, total: int | None = None
) -> tuple[Page, Select[Any]]:
    """The page to show and the query narrowed to its rows.

    The rows are counted in one statement, unless the caller already knows how many match (the
    dashboard does, from its counts by status), which saves evaluating the query once more.
    """
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = request.page(total or 0)
    return page, query.offset(page.offset).limit(page.size)
