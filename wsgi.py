"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`, `celery -A wsgi.celery_app`.

Content (courses/, quizzes/, toolkit/, rubrics/) is validated as the app is built, and the app
refuses to start on invalid content. The refusal is the list of `file:line: message` errors and
an exit status of 1, never a traceback, whether a server or `flask … content check` was starting.
"""

import sys

from app import create_app
from app.content.source import ContentInvalid
from config import SettingsError

try:
    app = create_app()
except ContentInvalid as invalid:
    sys.exit(
        f"IMR Academy's content has errors; it will not start until they are fixed:\n{invalid}"
    )
except SettingsError as wrong:
    sys.exit(f"IMR Academy's settings are not usable: {wrong}")
celery_app = app.extensions["celery"]
