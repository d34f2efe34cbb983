"""Reading generated PDFs back as a person's PDF reader would: their text, page by page.

pypdfium2 (PDFium, Chrome's PDF engine) extracts text about eight times faster than pypdf, which
matters for the toolkit test that reads every item's PDF.
"""

from __future__ import annotations

import re

import pypdfium2


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text, whitespace as PDFium reports it."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [document[index].get_textpage().get_text_range() for index in range(len(document))]
    finally:
        document.close()


def pdf_text(pdf: bytes) -> str:
    """The whole document's text, with every run of whitespace one space."""
    return re.sub(r"\s+", " ", " ".join(pages_text(pdf))).strip()
