"""When two names people type are the same name to a reader.

"Équipe mobile", "ÉQUIPE MOBILE" and an "E" followed by a combining accent read alike, as do
names that differ only in spacing; a list or a verification page showing both would leave the
reader guessing which is which.
"""

from __future__ import annotations

import unicodedata


def reading_key(name: str) -> str:
    """The name as a reader tells it apart: composed, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def same_name(one: str, other: str) -> bool:
    return reading_key(one) == reading_key(other)
