"""Access logs without secrets: tokens in paths and query strings are masked before a line is written.

Two kinds of secret travel in URLs because their clients can carry them no other way: the
single-use registration link an LMS opens, and the calendar feed address a calendar app polls.
The LTI login's parameters (login hints, message hints) and any stray token are masked too. The
same masking serves Werkzeug's development server log and gunicorn's access log.
"""

from __future__ import annotations

import logging
import re

MASK = "[masked]"
_PATH_SECRETS = re.compile(r"(/lti/register/|/consultation/calendar/)[^/?\s\"]+")
_QUERY_SECRETS = re.compile(
    r"((?:registration_token|id_token|state|nonce|login_hint|lti_message_hint|ticket|JWT)=)[^&\s\"]+",
    re.IGNORECASE,
)


def mask_secrets(text: str) -> str:
    """The line with every secret in a URL replaced by [masked]."""
    return _QUERY_SECRETS.sub(rf"\1{MASK}", _PATH_SECRETS.sub(rf"\1{MASK}", text))


class SecretMaskingFilter(logging.Filter):
    """A logging filter that masks secrets in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_secrets(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_secrets(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def mask_werkzeug_log() -> None:
    """Mask the development server's request log (the `werkzeug` logger)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, SecretMaskingFilter) for f in logger.filters):
        logger.addFilter(SecretMaskingFilter())


def log_what_operators_read(logger: logging.Logger) -> None:
    """The app's own notices at INFO and above (a refused launch, a roster refused).

    Without it the app's logger took the root logger's WARNING, which nothing lowers under
    gunicorn: refused launches, which docs/troubleshooting.md sends operators to the log for,
    were never written.
    """
    logger.setLevel(logging.INFO)
