"""Downloads: CSVs safe to open in a spreadsheet, and file names safe to put in a header."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """Text a spreadsheet would run as a formula (=HYPERLINK…) is prefixed so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


UNSAFE_IN_NAMES = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """A download name of plain letters, digits, dots, hyphens and underscores.

    Parts of names come from the LMS (a course's context id) and could hold quotes, line breaks
    or any Unicode; none of that may reach a Content-Disposition header.
    """
    slug = UNSAFE_IN_NAMES.sub("-", name).strip("-.") or "download"
    return slug[:120]


def attachment(response: Response, name: str, disposition: str = "attachment") -> Response:
    """Mark a response as a download with a safe file name."""
    response.headers.set("Content-Disposition", disposition, filename=safe_filename(name))
    return response


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Response:
    """A CSV attachment (UTF-8 with BOM, so spreadsheet programs read names correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    return attachment(response, filename)
