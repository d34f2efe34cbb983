"""Markdown to safe HTML: rendered by Python-Markdown, then sanitised by nh3 (ammonia)."""

from __future__ import annotations

import re

import markdown
import nh3

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "blockquote",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "hr",
    "br",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
MODULE_HREF = re.compile(r'href="module:([a-z0-9-]+)"')


def render_markdown(text: str) -> str:
    """Lesson Markdown as sanitised HTML; `module:<id>` links point at sibling module pages.

    Module pages live side by side (…/module/<id>), so a bare id is a correct relative link
    wherever the app is mounted.
    """
    html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    html = MODULE_HREF.sub(lambda m: f'href="{m.group(1)}" data-module-link="{m.group(1)}"', html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={**ALLOWED_ATTRIBUTES, "a": ALLOWED_ATTRIBUTES["a"] | {"data-module-link"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
