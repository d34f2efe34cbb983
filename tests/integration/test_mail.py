"""Mail to a real SMTP server: encrypted and its certificate checked before the password goes."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from app.mail import MailRefused, send_mail
from config import Settings
from tests.support.tls import Authority

PASSWORD = "correct-horse-battery"


class MailServer:
    """What an SMTP server saw: the messages it took and each login, encrypted or not."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.logins: list[tuple[str, bool]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook)
        self.messages.append(envelope.content.decode())
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.logins.append((data.password.decode(), encrypted))
        return AuthResult(success=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def mail_server(**options: Any) -> Iterator[tuple[MailServer, int]]:
    seen = MailServer()
    port = _free_port()
    server = Controller(
        seen, hostname="127.0.0.1", port=port, authenticator=seen.authenticate, **options
    )
    server.start()
    try:
        yield seen, port
    finally:
        server.stop()


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return Authority.create(tmp_path / "tls")


def _mail(settings: Settings, port: int, **changes: Any) -> Settings:
    return settings.with_overrides(
        smtp_host="127.0.0.1", smtp_port=port, smtp_user="imr", smtp_password=PASSWORD, **changes
    )


def _send(settings: Settings) -> bool:
    return send_mail(settings, ["director@example.org"], "Expiring", "A certificate expires.")


def test_mail_goes_over_starttls_with_the_certificate_checked(settings, authority):
    tls = authority.server_context("127.0.0.1")
    with mail_server(tls_context=tls, require_starttls=True) as (seen, port):
        assert _send(_mail(settings, port, smtp_ca_file=authority.ca_file))
    assert seen.logins == [(PASSWORD, True)], "the password went only inside TLS"
    assert "A certificate expires." in seen.messages[0]


def test_a_server_that_does_not_offer_starttls_gets_neither_password_nor_mail(settings):
    with (
        mail_server(auth_require_tls=False) as (seen, port),
        pytest.raises(MailRefused, match="does not offer STARTTLS"),
    ):
        _send(_mail(settings, port))
    assert seen.logins == []
    assert seen.messages == []


@pytest.mark.parametrize(
    ("presented_for", "trusted", "refusal"),
    [
        ("mail.other.example", True, "mismatch"),  # an impostor with a real certificate
        ("127.0.0.1", False, r"self-signed|unable to get"),  # signed by nobody the system trusts
    ],
    ids=["another name", "an unknown authority"],
)
def test_a_certificate_that_does_not_check_out_is_refused_before_the_login(
    settings, authority, presented_for, trusted, refusal
):
    tls = authority.server_context(presented_for)
    ca_file = authority.ca_file if trusted else None
    with (
        mail_server(tls_context=tls, require_starttls=True) as (seen, port),
        pytest.raises(ssl.SSLCertVerificationError, match=refusal),
    ):
        _send(_mail(settings, port, smtp_ca_file=ca_file))
    assert seen.logins == []
    assert seen.messages == []


def test_mail_goes_over_tls_from_the_first_byte(settings, authority):
    tls = authority.server_context("127.0.0.1")
    # aiosmtpd advertises AUTH only after its own STARTTLS, so it is told TLS came first here.
    with mail_server(ssl_context=tls, auth_require_tls=False) as (seen, port):
        assert _send(_mail(settings, port, smtp_security="tls", smtp_ca_file=authority.ca_file))
    assert seen.logins == [(PASSWORD, True)]
