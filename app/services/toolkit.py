"""Toolkit PDFs: built once per item, content version, organisation and print size, then reused."""

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
    db.session.execute(
        delete(ToolkitPdf).where(
            ToolkitPdf.item_id == key["item_id"],
            ToolkitPdf.organisation_id == organisation.id,
            ToolkitPdf.content_version != item.version,
        )
    )
    insert = insert_for(db.session.get_bind().dialect.name)(ToolkitPdf)
    db.session.execute(
        insert.values(**key, pdf=pdf, created_at=utc_now()).on_conflict_do_nothing(
            index_elements=list(key)
        )
    )
    db.session.commit()
    return pdf
