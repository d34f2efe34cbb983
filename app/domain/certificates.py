"""A certificate's life: its states, the moves between them, and what verification says of it.

A certificate is issued (at once, or after a director's approval), may be suspended and
reinstated, revoked for good, or replaced by a correction; a renewal is a new certificate linked
to the one it renews, and from then on the renewal is the proof: the renewed certificate says
so, takes no more moves, and answers for nothing but its line (whatever befalls the renewal
befalls the codes already handed out before it). Every move is named, and an illegal one is
refused in words: a revoked certificate cannot be suspended or reinstated, a replaced one cannot
be revoked again (its replacement can), and a renewed one takes no move (its renewal does).
Dates are passed in; nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class CertificateState(StrEnum):
    """Where a certificate is in its life."""

    AWAITING_APPROVAL = "awaiting-approval"
    ISSUED = "issued"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    REPLACED = "replaced"

    @property
    def words(self) -> str:
        return {
            CertificateState.AWAITING_APPROVAL: "awaiting approval",
            CertificateState.REPLACED: "replaced by a correction",
        }.get(self, self.value)


class Transition(StrEnum):
    """The named moves of a certificate's life."""

    APPROVE = "approve"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"
    REPLACE = "replace"
    RENEW = "renew"
    RECERTIFY = "recertify"

    @property
    def verb(self) -> str:
        return {
            Transition.APPROVE: "approved",
            Transition.SUSPEND: "suspended",
            Transition.REINSTATE: "reinstated",
            Transition.REVOKE: "revoked",
            Transition.REPLACE: "corrected",
            Transition.RENEW: "renewed",
            Transition.RECERTIFY: "re-certified",
        }[self]


S = CertificateState
# Each move: the states it may start from, and the state it leaves the certificate in. Renewing
# and re-certifying issue a new certificate and leave this one's state as it was: the renewal's
# existence is what retires a renewed certificate (see `standing`), so no row needs rewriting.
MOVES: dict[Transition, tuple[frozenset[CertificateState], CertificateState]] = {
    Transition.APPROVE: (frozenset({S.AWAITING_APPROVAL}), S.ISSUED),
    Transition.SUSPEND: (frozenset({S.ISSUED}), S.SUSPENDED),
    Transition.REINSTATE: (frozenset({S.SUSPENDED}), S.ISSUED),
    Transition.REVOKE: (frozenset({S.ISSUED, S.SUSPENDED}), S.REVOKED),
    Transition.REPLACE: (frozenset({S.ISSUED}), S.REPLACED),
    Transition.RENEW: (frozenset({S.ISSUED}), S.ISSUED),
    Transition.RECERTIFY: (frozenset({S.REVOKED}), S.REVOKED),
}


class IllegalTransition(ValueError):
    """The move is not open to a certificate in this state (the message says so in words)."""


def after(state: CertificateState, move: Transition, renewed: bool = False) -> CertificateState:
    """The state a move leaves a certificate in; IllegalTransition when it may not be made.

    A renewed certificate takes no move at all: its renewal is the current proof, and a
    correction of the old one would issue a second valid certificate beside the renewal (or,
    once the renewal is revoked, a valid one behind the revocation).
    """
    starts, ends = MOVES[move]
    if renewed:
        raise IllegalTransition(
            f"A renewed certificate cannot be {move.verb}: act on its renewal, the current one."
        )
    if state not in starts:
        raise IllegalTransition(_refusal(state, move))
    return ends


def allowed_moves(state: CertificateState, renewed: bool = False) -> tuple[Transition, ...]:
    """The moves a director may make on a certificate in this state, in the order shown."""
    if renewed:
        return ()
    return tuple(move for move, (starts, _) in MOVES.items() if state in starts)


def _refusal(state: CertificateState, move: Transition) -> str:
    if state is S.REPLACED:
        return (
            f"A certificate replaced by a correction cannot be {move.verb}: act on its replacement."
        )
    if state is S.REVOKED:
        return f"A revoked certificate cannot be {move.verb}: re-certify the practitioner instead."
    if move is Transition.RECERTIFY:
        return "Only a revoked certificate leads to a re-certification."
    return f"A certificate that is {state.words} cannot be {move.verb}."


class Standing(StrEnum):
    """What verification says of a certificate today."""

    VALID = "valid"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    REPLACED = "replaced"
    RENEWED = "renewed"
    AWAITING_APPROVAL = "awaiting-approval"


def standing(
    state: CertificateState, expires_on: date, today: date, renewed: bool = False
) -> Standing:
    """An issued certificate is valid until it expires, or until it is renewed: from then on its
    renewal is the proof, and the old code says so (pointing there) even before it would have
    expired. Every other state speaks for itself."""
    if state is S.ISSUED and renewed:
        return Standing.RENEWED
    if state is S.ISSUED:
        return Standing.EXPIRED if today > expires_on else Standing.VALID
    return Standing(state.value)


def line_end(start: int, continued_by: Mapping[int, int]) -> int:
    """The certificate that speaks for a line today: from `start`, follow each renewal or
    correction (`continued_by` maps a certificate to the one that took its place) to the one
    nothing has replaced yet. A loop, which issuing never makes, ends the walk."""
    seen, here = {start}, start
    while (after_it := continued_by.get(here)) is not None and after_it not in seen:
        seen.add(after_it)
        here = after_it
    return here


# Why no badge is signed for a certificate in each standing but valid: a badge is a freshly
# signed claim of current certification, which only a valid certificate may make.
NO_BADGE_BECAUSE: dict[Standing, str] = {
    Standing.EXPIRED: "This certificate has expired",
    Standing.SUSPENDED: "This certificate is suspended",
    Standing.REVOKED: "This certificate was revoked",
    Standing.REPLACED: "This certificate was replaced by a correction",
    Standing.RENEWED: "This certificate was renewed by a newer certificate",
    Standing.AWAITING_APPROVAL: "This certificate has not been issued yet",
}


def badge_refusal(standing_now: Standing) -> str | None:
    """Why a certificate in this standing gets no badge, or None when it gets one: the same rule
    as the verification page's download button, so a wallet never holds more than the page says."""
    if standing_now is Standing.VALID:
        return None
    return f"{NO_BADGE_BECAUSE[standing_now]}, so no badge is issued for it."


@dataclass(frozen=True)
class PublicStanding:
    """A certificate's standing in the words the public verification page shows: a headline for
    its banner, the sentence that explains it, and what a stranger should make of it."""

    standing: Standing
    sentence: str
    changed_on: date | None = None
    reason: str | None = None
    successor: str | None = None
    headline: str = ""
    advice: str = ""


def date_in_words(day: date) -> str:
    """A date as people read it, in words: 1 December 2026 (the one spelling the app uses)."""
    return f"{day.day} {day:%B %Y}"


def public_standing(
    standing_now: Standing,
    holder: str,
    credential: str,
    expires_on: date,
    changed_on: date | None = None,
    reason: str | None = None,
    successor: str | None = None,
) -> PublicStanding:
    """The sentence that fits the standing: holds, held until, suspended, revoked, replaced."""
    why = f" for {reason}" if reason else ""
    sentences = {
        Standing.VALID: f"{holder} holds {credential}, valid until {date_in_words(expires_on)}.",
        Standing.EXPIRED: f"{holder} held {credential} until {date_in_words(expires_on)}; it has expired.",
        Standing.SUSPENDED: f"This certificate was suspended on {date_in_words(changed_on or expires_on)}{why}.",
        Standing.REVOKED: f"This certificate was revoked on {date_in_words(changed_on or expires_on)}{why}.",
        Standing.REPLACED: f"This certificate was replaced on {date_in_words(changed_on or expires_on)} by {successor}.",
        Standing.RENEWED: f"This certificate was renewed by {successor or 'a newer certificate'}.",
        Standing.AWAITING_APPROVAL: "This certificate has not been issued yet.",
    }
    return PublicStanding(
        standing_now,
        sentences[standing_now],
        changed_on,
        reason,
        successor,
        _headline(standing_now, expires_on, changed_on or expires_on),
        ADVICE[standing_now],
    )


def _headline(standing_now: Standing, expires_on: date, changed_on: date) -> str:
    """The banner's few words, with the date that matters to someone checking today."""
    return {
        Standing.VALID: f"Valid until {date_in_words(expires_on)}",
        Standing.EXPIRED: f"Expired: it was valid until {date_in_words(expires_on)}",
        Standing.SUSPENDED: f"Suspended since {date_in_words(changed_on)}",
        Standing.REVOKED: f"Revoked on {date_in_words(changed_on)}",
        Standing.REPLACED: f"Replaced by a correction on {date_in_words(changed_on)}",
        Standing.RENEWED: "Renewed: a newer certificate took its place",
        Standing.AWAITING_APPROVAL: "Not issued yet",
    }[standing_now]


# What someone checking a certificate (an employer, a commissioner) should make of each standing.
ADVICE: dict[Standing, str] = {
    Standing.VALID: "The holder meets the issuing organisation's requirements for IMR practice today.",
    Standing.EXPIRED: (
        "It was genuine, but it no longer shows current certification. The holder may have "
        "renewed it: ask them for the code of their newer certificate."
    ),
    Standing.SUSPENDED: (
        "The issuing organisation has paused this certificate while it looks into a concern. "
        "It may be reinstated or revoked. Until then, do not rely on it as proof of current "
        "certification."
    ),
    Standing.REVOKED: (
        "The issuing organisation has withdrawn this certificate for good. It is no longer "
        "proof of certification."
    ),
    Standing.REPLACED: (
        "A corrected certificate was issued in its place. Check the new one: it shows the "
        "holder's current standing."
    ),
    Standing.RENEWED: (
        "It is no longer proof of current certification. Check the newer certificate it "
        "names: its standing is the holder's current standing."
    ),
    Standing.AWAITING_APPROVAL: "The issuing organisation has not approved this certificate yet.",
}
