"""`flask --app wsgi quizzes check`: validate the quiz banks and show what they assess."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.content.loader import load_catalog
from app.content.model import TOPIC_AREAS, Strategy
from app.content.quizzes import load_quizzes
from app.content.source import ContentInvalid

quizzes_cli = AppGroup("quizzes", help="The competency quiz banks in quizzes/.")


@quizzes_cli.command("check")
@click.option(
    "--path", type=click.Path(path_type=Path), help="A quizzes folder other than the app's."
)
def check_command(path: Path | None) -> None:
    """Validate every bank; print errors with file and line, or what each bank holds."""
    settings = current_app.config["IMR_SETTINGS"]
    root = path or settings.quizzes_dir
    try:
        banks = load_quizzes(root, load_catalog(settings.courses_dir))
    except ContentInvalid as invalid:
        for error in invalid.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(invalid.errors)} problem(s) in {root}", err=True)
        sys.exit(1)
    tags: Counter[str] = Counter()
    for bank in banks.values():
        kinds = Counter(q.type for q in bank.questions.values())
        tags.update(tag for q in bank.questions.values() for tag in (*q.strategies, *q.topic_areas))
        click.echo(
            f"{bank.id}: {bank.title}: {len(bank.questions)} questions "
            f"({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}), pass mark {bank.pass_mark}%"
        )
    total = sum(len(bank.questions) for bank in banks.values())
    click.echo(f"\n{total} questions in {len(banks)} banks. Questions per competency:")
    for key, label in [(s.value, f"{s.label} strategies") for s in Strategy] + list(
        TOPIC_AREAS.items()
    ):
        click.echo(f"  {label:55} {tags[key]:>4}")
    missing = [key for key in [s.value for s in Strategy] + list(TOPIC_AREAS) if not tags[key]]
    if missing:
        click.echo(f"No question assesses: {', '.join(missing)}", err=True)
        sys.exit(1)
