"""One commit per request, at its boundary; and no GET ever writes.

Services only flush. The request ends here: a response below 400 commits the whole of its work at
once, anything else rolls it back, so a failure can never leave half a change. Tasks and CLI
commands are boundaries of their own (app.tasks, app.commands).

A GET, HEAD or OPTIONS request that tries to write through the session is a programming error:
it raises WriteOnGet instead of quietly changing records when someone opens a page. Two writes
are deliberately not the session's: the shared store (launch state, rate limits) and derived
caches (toolkit PDFs, the tool's first key), which use their own short transactions.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from app.extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class WriteOnGet(RuntimeError):
    """A page view tried to change stored data."""


def _reading() -> bool:
    return has_request_context() and request.method in READ_ONLY_METHODS


def _refuse_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if not _reading():
        return
    changed = [o for o in session.dirty if session.is_modified(o)]
    written = [*session.new, *changed, *session.deleted]
    if written:
        names = ", ".join(sorted({type(o).__name__ for o in written}))
        raise WriteOnGet(f"{request.method} {request.path} would write {names}")


def _refuse_statement(state: ORMExecuteState) -> None:
    if _reading() and (state.is_insert or state.is_update or state.is_delete):
        raise WriteOnGet(f"{request.method} {request.path} would run {state.statement}")


def _end_request(response: Any) -> Any:
    """Commit what the request did when it succeeded; roll it back otherwise."""
    if response.status_code < 400 and request.method not in READ_ONLY_METHODS:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def init_boundary(app: Flask) -> None:
    """Commit at the end of every successful request; refuse writes on GET."""
    if not event.contains(db.session, "before_flush", _refuse_flush):
        event.listen(db.session, "before_flush", _refuse_flush)
        event.listen(db.session, "do_orm_execute", _refuse_statement)
    app.after_request(_end_request)
