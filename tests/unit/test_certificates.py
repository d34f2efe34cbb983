"""A certificate's life: every named move from every state, allowed or refused in words."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.certificates import (
    CertificateState,
    IllegalTransition,
    Standing,
    Transition,
    after,
    allowed_moves,
    badge_refusal,
    line_end,
    public_standing,
    standing,
)

S, T = CertificateState, Transition
# Every move from every state: the state it leaves, or None where it must be refused.
TABLE = {
    S.AWAITING_APPROVAL: {T.APPROVE: S.ISSUED},
    S.ISSUED: {
        T.SUSPEND: S.SUSPENDED,
        T.REVOKE: S.REVOKED,
        T.REPLACE: S.REPLACED,
        T.RENEW: S.ISSUED,
    },
    S.SUSPENDED: {T.REINSTATE: S.ISSUED, T.REVOKE: S.REVOKED},
    S.REVOKED: {T.RECERTIFY: S.REVOKED},
    S.REPLACED: {},
}
CASES = [(state, move, TABLE[state].get(move)) for state in S for move in T]


@pytest.mark.parametrize(("state", "move", "expected"), [c for c in CASES if c[2] is not None])
def test_each_allowed_move_leaves_the_certificate_where_it_should(state, move, expected):
    assert after(state, move) is expected
    assert move in allowed_moves(state)


@pytest.mark.parametrize(("state", "move", "expected"), [c for c in CASES if c[2] is None])
def test_each_illegal_move_is_refused_in_words(state, move, expected):
    with pytest.raises(IllegalTransition) as refused:
        after(state, move)
    assert move not in allowed_moves(state)
    message = str(refused.value)
    assert move.verb in message or "re-certification" in message


def test_the_refusals_say_what_to_do_instead():
    with pytest.raises(IllegalTransition, match="re-certify the practitioner instead"):
        after(S.REVOKED, T.SUSPEND)
    with pytest.raises(IllegalTransition, match="act on its replacement"):
        after(S.REPLACED, T.REVOKE)
    with pytest.raises(IllegalTransition, match="cannot be reinstated"):
        after(S.REVOKED, T.REINSTATE)


@pytest.mark.parametrize("move", list(T))
@pytest.mark.parametrize("state", list(S))
def test_a_renewed_certificate_takes_no_move_its_renewal_is_the_one_to_act_on(state, move):
    with pytest.raises(IllegalTransition, match=f"cannot be {move.verb}: act on its renewal"):
        after(state, move, renewed=True)
    assert allowed_moves(state, renewed=True) == ()


@pytest.mark.parametrize(
    ("state", "today", "expected"),
    [
        (S.ISSUED, date(2027, 1, 1), Standing.RENEWED),
        (S.ISSUED, date(2028, 6, 2), Standing.RENEWED),  # its renewal says more than its expiry
        (S.REVOKED, date(2027, 1, 1), Standing.REVOKED),  # its own revocation still speaks
    ],
)
def test_a_renewed_certificate_no_longer_stands_as_valid(state, today, expected):
    assert standing(state, date(2028, 6, 1), today, renewed=True) is expected


@pytest.mark.parametrize(
    ("start", "continued_by", "expected"),
    [
        (1, {}, 1),
        (1, {1: 2}, 2),  # renewed
        (1, {1: 2, 2: 3, 3: 4}, 4),  # renewed, its renewal corrected, and that renewed again
        (2, {1: 2, 2: 3}, 3),  # from the middle of a line
        (1, {1: 2, 2: 1}, 2),  # a loop ends the walk instead of running for ever
    ],
)
def test_the_line_ends_at_the_certificate_nothing_has_replaced(start, continued_by, expected):
    assert line_end(start, continued_by) == expected


def test_only_a_valid_certificate_gets_a_badge_and_every_other_says_why_not():
    assert badge_refusal(Standing.VALID) is None
    said = {s: badge_refusal(s) for s in Standing if s is not Standing.VALID}
    assert said[Standing.REVOKED] == "This certificate was revoked, so no badge is issued for it."
    assert said[Standing.EXPIRED] == "This certificate has expired, so no badge is issued for it."
    assert said[Standing.RENEWED] == (
        "This certificate was renewed by a newer certificate, so no badge is issued for it."
    )
    assert all(words and "no badge" in words for words in said.values())


@pytest.mark.parametrize(
    ("state", "today", "expected"),
    [
        (S.ISSUED, date(2027, 1, 1), Standing.VALID),
        (S.ISSUED, date(2028, 6, 1), Standing.VALID),  # valid through its expiry date
        (S.ISSUED, date(2028, 6, 2), Standing.EXPIRED),
        (S.SUSPENDED, date(2027, 1, 1), Standing.SUSPENDED),
        (S.REVOKED, date(2027, 1, 1), Standing.REVOKED),
        (S.REPLACED, date(2027, 1, 1), Standing.REPLACED),
        (S.AWAITING_APPROVAL, date(2027, 1, 1), Standing.AWAITING_APPROVAL),
    ],
)
def test_standing_follows_the_state_and_the_date(state, today, expected):
    assert standing(state, date(2028, 6, 1), today) is expected


@pytest.mark.parametrize(
    ("standing_now", "extra", "headline", "sentence"),
    [
        (
            Standing.VALID,
            {},
            "Valid until 1 June 2028",
            "Maya Chen holds IMR Practitioner, valid until 1 June 2028.",
        ),
        (
            Standing.EXPIRED,
            {},
            "Expired: it was valid until 1 June 2028",
            "Maya Chen held IMR Practitioner until 1 June 2028; it has expired.",
        ),
        (
            Standing.SUSPENDED,
            {"changed_on": date(2027, 3, 4), "reason": "a complaint under review"},
            "Suspended since 4 March 2027",
            "This certificate was suspended on 4 March 2027 for a complaint under review.",
        ),
        (
            Standing.REVOKED,
            {"changed_on": date(2027, 3, 4), "reason": "issued in error"},
            "Revoked on 4 March 2027",
            "This certificate was revoked on 4 March 2027 for issued in error.",
        ),
        (
            Standing.REPLACED,
            {"changed_on": date(2027, 3, 4), "successor": "7K3Q-9XMD-2RPA-W4HN-T"},
            "Replaced by a correction on 4 March 2027",
            "This certificate was replaced on 4 March 2027 by 7K3Q-9XMD-2RPA-W4HN-T.",
        ),
        (
            Standing.RENEWED,
            {},
            "Renewed: a newer certificate took its place",
            "This certificate was renewed by a newer certificate.",
        ),
    ],
)
def test_verification_states_the_standing_in_words_that_fit_it(
    standing_now, extra, headline, sentence
):
    words = public_standing(
        standing_now, "Maya Chen", "IMR Practitioner", date(2028, 6, 1), **extra
    )
    assert words.headline == headline
    assert words.sentence == sentence
    assert words.advice, "every standing tells a stranger what to make of it"


def test_only_a_valid_certificate_is_called_proof_of_current_certification():
    advice = {
        s: public_standing(s, "Maya Chen", "IMR Practitioner", date(2028, 6, 1)).advice
        for s in Standing
    }
    assert "today" in advice[Standing.VALID]
    for standing_now in (
        Standing.SUSPENDED,
        Standing.REVOKED,
        Standing.EXPIRED,
        Standing.RENEWED,
    ):
        assert "no longer" in advice[standing_now] or "do not rely" in advice[standing_now]
