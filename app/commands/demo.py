"""`flask --app wsgi demo seed`: the demo LMS, registered with the tool at PUBLIC_URL (development)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db

demo_cli = AppGroup("demo", help="The demo LMS of the development profile.")


@demo_cli.command("seed")
def seed_command() -> None:
    """Register the demo LMS with IMR Academy (safe to run again)."""
    if not current_app.config["IMR_SETTINGS"].demo_lms_enabled:
        raise click.ClickException(
            "the demo LMS exists only in the development profile (IMR_PROFILE=development)"
        )
    from app.demo_lms.demo import demo_platform, ensure_registered

    ensure_registered(demo_platform())
    db.session.commit()
    click.echo(f"The demo LMS is registered: open {demo_platform().issuer}/ to launch IMR Academy.")
