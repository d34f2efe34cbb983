"""The request as IMR Academy reads it: typed text with one kind of line break.

A browser counts a line break in a text area as one character when it holds the typist to the
field's `maxlength`, then sends it as two (CR LF, as HTML form submission requires). Read as
sent, a reflection or a review's evidence typed to the limit in several paragraphs failed the
server's length check for characters nobody typed, or lost its end where a value is cut to its
limit. Every posted value is read with LF line breaks, as the browser counted them.
"""

from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict


def _one_line_break(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class ImrRequest(Request):
    """Flask's request, whose form values have LF line breaks only."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        posted = self.__dict__["form"]
        if any("\r" in value for _, value in posted.items(multi=True)):
            self.__dict__["form"] = ImmutableMultiDict(
                [(key, _one_line_break(value)) for key, value in posted.items(multi=True)]
            )
