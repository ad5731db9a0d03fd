"""Pages of a query: one rule for every list route (page numbers from 1, a total beside the rows)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session


def page_window(query: Select[Any], page: int, page_size: int) -> Select[Any]:
    """``query`` cut to page ``page`` (counted from 1) of ``page_size`` rows; order it first."""
    return query.limit(page_size).offset((page - 1) * page_size)


def count_rows(session: Session, query: Select[Any]) -> int:
    """How many rows ``query`` yields in all (the ``total`` of a page)."""
    return int(session.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def fetch_page(
    session: Session, query: Select[Any], order_by: Any, page: int, page_size: int
) -> tuple[list[Row[Any]], int]:
    """One page of ``query`` ordered by ``order_by`` (a column or a tuple of them), and the total."""
    order = order_by if isinstance(order_by, tuple) else (order_by,)
    rows = session.execute(page_window(query.order_by(*order), page, page_size)).all()
    return list(rows), count_rows(session, query)
