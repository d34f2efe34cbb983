"""Reading a page's form as a browser would submit it: every named field with its current value."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        name = found.get("name")
        if tag == "input" and name:
            kind = found.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in found:
                    self.fields[name] = found.get("value", "on")
            elif kind not in {"submit", "button", "file"}:
                self.fields[name] = found.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self.fields[name] = name, ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in found:
            self.fields[self._select] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str) -> dict[str, str]:
    """The fields a browser would post from the page, unchanged (textareas without their newline)."""
    reader = _FormReader()
    reader.feed(html)
    return {
        name: value.removeprefix("\r\n").removeprefix("\n") for name, value in reader.fields.items()
    }


def group_form(token: str, first_date: date, **changes: object) -> dict[str, object]:
    """The consultation schedule form as a trainer fills it in: eight weekly sessions from
    `first_date`, with any field changed."""
    return {
        "csrf_token": token,
        "name": "Tuesday consultation",
        "location": "https://video.example.org/imr",
        "weekday": "1",
        "local_time": "10:00",
        "timezone": "Europe/London",
        "duration_minutes": "60",
        "first_date": first_date.isoformat(),
        "ends": "weeks",
        "weeks": "8",
        "end_date": "",
        "excused_allowed": "2",
        **changes,
    }


def own_links(html: str, marker: str = "page|sort") -> list[tuple[str, list[str]]]:
    """The path and query names of each link on a page that sets one of the marker parameters
    (a pager's pages, a sortable header), as a browser would follow it."""
    found = re.findall(rf'href="([^"]*[?&](?:amp;)?(?:{marker})=[^"]*)"', html)
    links = []
    for link in found:
        path, _, query = link.replace("&amp;", "&").partition("?")
        links.append((path, [pair.partition("=")[0] for pair in query.split("&")]))
    return links
