"""The floor the launch benchmark compares against: a bare pylti1p3 Flask tool.

It does what the library's own Flask example does and nothing else: OIDC login, a validated
launch, a landing page. Registrations come from a dict, launch data and the platform's key set
live in this process's memory, there is no database. IMR Academy does more on purpose (shared
state across workers, single-use nonces bound to the state, a person recorded per launch), so
the benchmark reports how close the product comes to this floor, not an equality.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from flask import Flask, redirect, render_template_string, session, url_for
from pylti1p3.contrib.flask import (
    FlaskCookieService,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.tool_config import ToolConfDict
from werkzeug.wrappers import Response

LANDING = "<!doctype html><title>Bare tool</title><h1>Hello {{ name }}</h1>"


class MemoryStorage(LaunchDataStorage[Any]):
    """Launch data and key sets in a dict, with expiry: one process needs nothing more."""

    _session_cookie_name = None  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._values: dict[str, tuple[Any, float]] = {}

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        value, expires = self._values.get(key, (None, 0.0))
        return value if expires > time.monotonic() else None

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        self._values[key] = (value, time.monotonic() + (exp or 3600))

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None


def create_bare_tool(registration: dict[str, Any], private_key: str, public_key: str) -> Flask:
    """A tool registered with one platform (pylti1p3's ToolConfDict layout for one client)."""
    app = Flask(__name__)
    app.secret_key = secrets.token_hex(32)
    issuer = registration["issuer"]
    config = ToolConfDict({issuer: [registration]})
    config.set_private_key(issuer, private_key, client_id=registration["client_id"])
    config.set_public_key(issuer, public_key, client_id=registration["client_id"])
    storage = MemoryStorage()

    @app.route("/lti/login", methods=["GET", "POST"])
    def login() -> Response:
        flask_request = FlaskRequest()
        cookies = FlaskCookieService(flask_request)
        oidc = FlaskOIDCLogin(
            flask_request, config, cookie_service=cookies, launch_data_storage=storage
        )
        target = flask_request.get_param("target_link_uri")
        return oidc.redirect(target)

    @app.post("/lti/launch")
    def launch() -> Response:
        message = FlaskMessageLaunch(FlaskRequest(), config, launch_data_storage=storage)
        message.set_public_key_caching(storage, cache_lifetime=7200)
        data = message.get_launch_data()
        session["name"] = data.get("name", "")
        return redirect(url_for("landing"))

    @app.get("/home")
    def landing() -> str:
        return render_template_string(LANDING, name=session.get("name", ""))

    return app
