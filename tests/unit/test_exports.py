"""Downloads opened in a spreadsheet: no cell of what people typed runs as a formula."""

from __future__ import annotations

import csv
import io

from app.exports import csv_response

HOSTILE = ['=HYPERLINK("https://evil.example")', "Maya;=cmd|' /C calc'!A0;", "+1", "Ana, RN"]


def _cells(delimiter: str) -> list[str]:
    """The cells a spreadsheet reading the download with this list separator would make."""
    text = csv_response("x.csv", ["Name"], [[name] for name in HOSTILE]).get_data(as_text=True)
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    return [cell for row in rows for cell in row]


def test_no_cell_starts_a_formula_whichever_separator_the_spreadsheet_splits_on():
    for delimiter in (",", ";"):
        cells = _cells(delimiter)
        assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))], delimiter


def test_names_come_back_whole_with_only_a_formula_start_marked():
    assert _cells(",")[1:] == [
        '\'=HYPERLINK("https://evil.example")',
        "Maya;=cmd|' /C calc'!A0;",
        "'+1",
        "Ana, RN",
    ]
