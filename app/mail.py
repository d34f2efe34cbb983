"""Sending e-mail when SMTP is configured (SMTP_HOST…); without it, notices stay in the app."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from config import Settings


def send_mail(settings: Settings, recipients: list[str], subject: str, body: str) -> bool:
    """Send one plain-text message; False when no SMTP server is configured or nobody to send to."""
    if not settings.smtp_host or not recipients:
        return False
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = (
        settings.smtp_from,
        ", ".join(recipients),
        subject,
    )
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls and smtp.has_extn("starttls"):
            smtp.starttls()
        if settings.smtp_user and settings.smtp_password:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)
    return True
