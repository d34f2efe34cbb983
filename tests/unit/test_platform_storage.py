"""The pure parts of platform storage: the login parameter, the keys, the target origin, tokens."""

from __future__ import annotations

import pytest

from app.lti.platform_storage import (
    issue_launch_token,
    redeem_launch_token,
    storage_target,
    stored_login,
)

AUTHORISE = "https://sso.lms.example.org/api/lti/authorize_redirect?state=s-1&nonce=n-1&x=y"


class CountingStore:
    """Just the shared store's counter, in memory: what redeeming a token uses."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def increment(self, key: str, ttl_seconds: int) -> int:
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]


@pytest.mark.parametrize(
    ("raw", "target"),
    [
        ("post_message_forwarding", "post_message_forwarding"),
        ("_parent", "_parent"),
        ("frame-1.storage", "frame-1.storage"),
        (None, None),
        ("", None),
        ("a b", None),
        ("<script>", None),
        ("x" * 65, None),
    ],
)
def test_only_a_window_name_is_taken_as_the_storage_target(raw, target):
    assert storage_target(raw) == target


def test_the_values_go_to_the_origin_of_the_registered_authorisation_url():
    login = stored_login(AUTHORISE, "post_message_forwarding")
    assert login is not None
    assert login.storage.origin == "https://sso.lms.example.org"
    assert (login.state_key, login.state) == ("state_s-1", "s-1")
    assert (login.nonce_key, login.nonce) == ("nonce_n-1", "n-1")


@pytest.mark.parametrize(
    "url",
    ["https://sso.lms.example.org/auth?state=s-1", "/relative?state=s&nonce=n", "not a url"],
)
def test_without_an_origin_state_and_nonce_there_is_no_storage_login(url):
    assert stored_login(url, "post_message_forwarding") is None


def test_a_launch_token_is_redeemed_once():
    store = CountingStore()
    token = issue_launch_token("secret", {"person_id": 7})
    assert redeem_launch_token(store, "secret", token) == {"person_id": 7}
    assert redeem_launch_token(store, "secret", token) is None


@pytest.mark.parametrize("token", ["", "forged.token.value"])
def test_a_token_not_signed_by_the_tool_is_refused(token):
    assert redeem_launch_token(CountingStore(), "secret", token) is None


def test_a_token_signed_with_another_key_is_refused():
    token = issue_launch_token("another secret", {"person_id": 7})
    assert redeem_launch_token(CountingStore(), "secret", token) is None
