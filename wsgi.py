"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`, `celery -A wsgi.celery_app`.

Content (courses/, quizzes/, toolkit/, rubrics/) is validated as the app is built, and the app
refuses to start on invalid content. The refusal is the list of `file:line: message` errors and
an exit status of 1, never a traceback, whether a server or `flask … content check` was starting.

Once the app is built, `gc.freeze()` moves everything made so far (the content catalog, the
templates, the imported modules: about 178,000 tracked objects) out of the garbage collector's
reach. Those objects live as long as the process, yet every full collection walked them again:
half of the director dashboard's Python time at 10,000 practitioners was that walk. Frozen, they
are never scanned, and forked gunicorn workers also stop touching (and so copying) their pages.
"""

import gc
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
gc.freeze()
