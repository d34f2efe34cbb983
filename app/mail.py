"""Sending e-mail when SMTP is configured (SMTP_HOST…); without it, notices stay in the app.

The connection is encrypted and the server's certificate checked before anything is sent, the
password included: a server that does not offer STARTTLS when it is required gets nothing, since
an attacker on the path removes that offer to read what follows (config.py says when plain SMTP
is allowed).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from config import Settings

TIMEOUT_SECONDS = 30


class MailRefused(RuntimeError):
    """The mail server cannot be reached safely: nothing was sent to it."""


def _tls(settings: Settings) -> ssl.SSLContext:
    cafile = str(settings.smtp_ca_file) if settings.smtp_ca_file else None
    return ssl.create_default_context(cafile=cafile)


def _connect(settings: Settings) -> smtplib.SMTP:
    """An open connection, encrypted as SMTP_SECURITY asks, with the certificate verified."""
    host, port = settings.smtp_host or "", settings.smtp_port
    if settings.smtp_security == "tls":
        return smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_SECONDS, context=_tls(settings))
    smtp = smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
    if settings.smtp_security != "starttls":
        return smtp
    smtp.ehlo()
    if not smtp.has_extn("starttls"):
        smtp.close()
        raise MailRefused(
            f"the mail server {host}:{port} does not offer STARTTLS, which SMTP_SECURITY="
            "starttls requires; nothing was sent (use SMTP_SECURITY=tls for port 465)"
        )
    smtp.starttls(context=_tls(settings))
    return smtp


def _message(settings: Settings, recipient: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.smtp_from, recipient, subject
    message.set_content(body)
    return message


def send_mail(settings: Settings, recipients: list[str], subject: str, body: str) -> bool:
    """Send a plain-text message to each recipient, addressed to them alone (a practitioner's
    reminder does not hand them every director's address, nor the directors theirs); False
    when no SMTP server is configured or nobody to send to."""
    if not settings.smtp_host or not recipients:
        return False
    with _connect(settings) as smtp:
        if settings.smtp_user and settings.smtp_password:
            smtp.login(settings.smtp_user, settings.smtp_password)
        for recipient in recipients:
            smtp.send_message(_message(settings, recipient, subject, body))
    return True
