"""Renewal reminders: due at the policy's offsets, sent once, by real SMTP when configured, shown in the app."""

from __future__ import annotations

import socket
from datetime import timedelta

from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from app.domain.certificates import date_in_words
from app.extensions import db
from app.models.base import utc_now
from app.models.certification import Certificate, RenewalReminder
from app.services.reminders import send_renewal_reminders
from tests.support.journey import certificate_of as _certificate
from tests.support.journey import everything as _everything
from tests.support.journey import sign_off as _sign_off
from tests.support.lms import DIRECTOR, PRACTITIONER


class Inbox:
    """An SMTP server's handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook)
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 Message accepted"


def _expire_in(app: Flask, certificate_id: int, days: int) -> None:
    with app.app_context():
        db.session.get_one(Certificate, certificate_id).expires_on = utc_now().date() + timedelta(
            days=days
        )
        db.session.commit()


def test_reminders_go_once_to_the_practitioner_and_directors(app, lms, settings):
    practitioner = _everything(app, lms)
    lms.launch(app.test_client(), DIRECTOR)
    _sign_off(app, lms)
    certificate = _certificate(app)
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        mail = settings.with_overrides(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
        )
        with app.app_context():
            assert send_renewal_reminders(mail, utc_now().date()) == 0, (
                "nothing is due two years ahead"
            )
        _expire_in(app, certificate.id, 25)
        with app.app_context():
            assert send_renewal_reminders(mail, utc_now().date()) == 1
            assert send_renewal_reminders(mail, utc_now().date()) == 0, "a reminder is sent once"
            offsets = sorted(r.days_before for r in db.session.scalars(select(RenewalReminder)))
            assert offsets == [30, 60], "the 60-day reminder missed is not sent late"
    finally:
        server.stop()
    assert len(inbox.messages) == 2, "one message to each, once"
    by_recipient = {recipients[0]: content for recipients, content in inbox.messages}
    assert sorted(by_recipient) == sorted([PRACTITIONER.email, DIRECTOR.email])
    content = by_recipient[PRACTITIONER.email]
    assert f"To: {PRACTITIONER.email}\n" in content.replace("\r\n", "\n")
    assert DIRECTOR.email not in content, "each is addressed alone: no one else's address"
    assert f"certificate {certificate.code}" in content
    expires = date_in_words(utc_now().date() + timedelta(days=25))
    assert f"expires on {expires}, in 25 days" in content
    assert f"Subject: IMR certificate expiring on {expires}" in content
    page = practitioner.get("/certification/").get_data(as_text=True)
    assert "reminder 30 days before" in page


def test_without_smtp_reminders_still_show_in_the_app(app, lms, settings):
    practitioner = _everything(app, lms)
    _sign_off(app, lms)
    certificate = _certificate(app)
    _expire_in(app, certificate.id, 5)
    with app.app_context():
        assert send_renewal_reminders(settings, utc_now().date()) == 1
        assert (
            db.session.scalars(select(RenewalReminder).filter_by(days_before=7)).one().emailed_to
            is None
        )
    assert "reminder 7 days before" in practitioner.get("/certification/").get_data(as_text=True)
