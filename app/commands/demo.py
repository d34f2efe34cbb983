"""`flask --app wsgi demo seed`: the demo LMS, registered with the tool at PUBLIC_URL, and the
demo organisation's history, seeded once (development)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db

demo_cli = AppGroup("demo", help="The demo LMS of the development profile.")


@demo_cli.command("seed")
def seed_command() -> None:
    """Register the demo LMS and seed its organisation the first time (safe to run again)."""
    if not current_app.config["IMR_SETTINGS"].demo_lms_enabled:
        raise click.ClickException(
            "the demo LMS exists only in the development profile (IMR_PROFILE=development)"
        )
    from app.demo_lms.demo import demo_platform
    from app.demo_lms.seed import seed_demo

    outcome = seed_demo(demo_platform())
    db.session.commit()
    click.echo(outcome.line)
    click.echo(f"Open {demo_platform().issuer}/ to launch IMR Academy as each role.")
