"""Certificate verification codes: 80 random bits people can read aloud and type back.

Crockford Base32 (no I, L, O or U, so no letter is mistaken for a digit), sixteen symbols in
groups of four, and a check symbol (mod 37) that catches any single mistyped or swapped symbol.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_SYMBOLS = ALPHABET + "*~$=U"
BITS = 80
SYMBOLS = BITS // 5
_READ_AS = {"O": "0", "I": "1", "L": "1"}


def _check(symbols: str) -> str:
    value = 0
    for symbol in symbols:
        value = value * 32 + ALPHABET.index(symbol)
    return CHECK_SYMBOLS[value % 37]


def _grouped(symbols: str, check: str) -> str:
    return "-".join(symbols[i : i + 4] for i in range(0, len(symbols), 4)) + "-" + check


def new_code(random_bits: int | None = None) -> str:
    """A fresh code such as 7K3Q-9XMD-2RPA-W4HN-T (from the OS's secure random source)."""
    value = secrets.randbits(BITS) if random_bits is None else random_bits
    symbols = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(SYMBOLS)))
    return _grouped(symbols, _check(symbols))


def in_file_names(code: str) -> str:
    """The code as download names carry it: its sixteen symbols, without the check symbol.

    Four of the check symbols (* ~ $ =) are forbidden or awkward in file names on some systems
    and browsers rewrite them, so a name would not match the code; the sixteen symbols alone
    still name exactly one certificate.
    """
    return code.rsplit("-", 1)[0]


def normalise(text: str) -> str | None:
    """The canonical form of a typed code, or None when it is not a valid code.

    Case, spaces and hyphens do not matter, and O, I and L are read as 0, 1 and 1.
    """
    cleaned = "".join(_READ_AS.get(c, c) for c in text.upper() if c not in " -")
    if len(cleaned) != SYMBOLS + 1:
        return None
    symbols, check = cleaned[:SYMBOLS], cleaned[SYMBOLS]
    if any(c not in ALPHABET for c in symbols) or _check(symbols) != check:
        return None
    return _grouped(symbols, check)
