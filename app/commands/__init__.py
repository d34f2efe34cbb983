"""Every command-line group in one place: `lti`, `content`, `quizzes` and `tasks`; each command commits its own work."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.commands.content import content_cli
from app.commands.demo import demo_cli
from app.commands.lti import lti_cli
from app.commands.quizzes import quizzes_cli
from app.tasks import PERIODIC_TASKS

tasks_cli = AppGroup("tasks", help="Background work.")


@tasks_cli.command("run-periodic")
def run_periodic_command() -> None:
    """Run every periodic task once, now (what Celery beat does on its schedule)."""
    celery = current_app.extensions["celery"]
    for name, entry in PERIODIC_TASKS.items():
        result = celery.tasks[entry["task"]].apply()
        click.echo(f"{name}: {result.get()}")


def init_cli(app: Flask) -> None:
    """Attach the command groups."""
    app.cli.add_command(lti_cli)
    app.cli.add_command(tasks_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(quizzes_cli)
    app.cli.add_command(demo_cli)
