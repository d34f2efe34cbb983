"""Downloads: CSVs safe to open in a spreadsheet, zips of many files, and file names safe to put
in a header."""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ZIP_IN_MEMORY_BYTES = 8 * 1024 * 1024
ZIP_CHUNK_BYTES = 256 * 1024


def _cell(value: object) -> object:
    """Text a spreadsheet would run as a formula (=HYPERLINK…) is prefixed so it stays text.

    Only a cell's start needs it because every cell is quoted (`csv_response`): a spreadsheet
    that splits on semicolons, as Excel does in many European locales, would otherwise make a
    new cell of the `=cmd…` after a semicolon inside a name."""
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
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    return attachment(response, filename)


def zip_response(filename: str, members: Iterable[tuple[str, bytes]]) -> Response:
    """A zip attachment of (name, bytes) members, taken one at a time.

    The archive is written to a spooled file that moves to disk past a few megabytes, so a zip
    of a thousand certificate PDFs (over 40 MB) never sits whole in a worker's memory, and the
    members can come from a query that loads them in batches. It is sent in chunks, and the file
    closes when the last chunk is sent or the download is abandoned.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=ZIP_IN_MEMORY_BYTES)  # noqa: SIM115 (closed by _chunks)
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    size = spool.tell()
    spool.seek(0)
    response = Response(_chunks(spool), mimetype="application/zip")
    response.content_length = size
    return attachment(response, filename)


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(ZIP_CHUNK_BYTES):
            yield chunk
