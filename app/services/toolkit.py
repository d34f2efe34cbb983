"""Toolkit PDFs: built once per item, content version, organisation and print size, then reused.

The cache lives in the database so every worker serves the same file. Filling it is not a change
to any record (the PDF follows from the content and the organisation's name), so it is written
in a short transaction of its own rather than through the request's session, which refuses
writes on GET.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from app.domain.toolkit import ToolkitItem
from app.extensions import content, db
from app.models.base import insert_for, utc_now
from app.models.tenancy import Organisation
from app.models.training import ToolkitPdf
from app.pdf.toolkit import render


def toolkit_pdf(item: ToolkitItem, organisation: Organisation, large_print: bool) -> bytes:
    """The cached PDF, or a new one (replacing the organisation's copies of older versions).

    A handout's group version is a variant of the same content version, cached under its own key.
    """
    key = {
        # a handout's group version is cached beside the handout, not in place of it
        "item_id": f"{item.id}@group" if item.group_version else item.id,
        "content_version": item.version,
        "organisation_id": organisation.id,
        "large_print": large_print,
    }
    cached = db.session.scalar(select(ToolkitPdf.pdf).filter_by(**key))
    if cached is not None:
        return cached
    titles = {m.id: m.title for m in content().catalog.modules.values()}
    pdf = render(item, organisation.name, large_print, titles)
    _keep(key, pdf)
    return pdf


def _keep(key: dict[str, object], pdf: bytes) -> None:
    """Store the new PDF and drop the organisation's copies of older versions, in one go."""
    stale = delete(ToolkitPdf).where(
        ToolkitPdf.item_id == key["item_id"],
        ToolkitPdf.organisation_id == key["organisation_id"],
        ToolkitPdf.content_version != key["content_version"],
    )
    fresh = (
        insert_for(db.engine.dialect.name)(ToolkitPdf)
        .values(**key, pdf=pdf, created_at=utc_now())
        .on_conflict_do_nothing(index_elements=list(key))
    )
    with db.engine.begin() as conn:
        conn.execute(stale)
        conn.execute(fresh)
