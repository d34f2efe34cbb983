"""`flask --app wsgi quizzes check`: validate the quiz banks and show what they assess."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.content.cues import BankCues, cue_report, module_texts
from app.content.loader import load_catalog
from app.content.model import TOPIC_AREAS, Strategy
from app.content.quizzes import load_quizzes
from app.content.source import ContentInvalid
from app.domain.quizzes import QuizBank

quizzes_cli = AppGroup("quizzes", help="The competency quiz banks in quizzes/.")


@quizzes_cli.command("check")
@click.option(
    "--path", type=click.Path(path_type=Path), help="A quizzes folder other than the app's."
)
def check_command(path: Path | None) -> None:
    """Validate every bank, show what each holds, and fail on any cue a test-wise guesser uses.

    Errors in a bank's structure stop the check at once. A bank that is valid but breaks a cue
    threshold (quizzes/README.md, "Cue checks") fails it too, naming the file, metric and items.
    """
    settings = current_app.config["IMR_SETTINGS"]
    root = path or settings.quizzes_dir
    catalog = load_catalog(settings.courses_dir)
    try:
        banks = load_quizzes(root, catalog)
    except ContentInvalid as invalid:
        for error in invalid.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(invalid.errors)} problem(s) in {root}", err=True)
        sys.exit(1)
    uncovered = _summarise(banks)
    failures = _cue_report(cue_report(banks, module_texts(catalog)))
    if uncovered or failures:
        sys.exit(1)


def _summarise(banks: dict[str, QuizBank]) -> bool:
    """Print each bank's questions and the questions per competency; True if one has none."""
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
    return bool(missing)


def _table(report: BankCues) -> None:
    rows = [("check", "measured", "limit", "")] + [
        (c.metric, c.measured, c.limit, "ok" if c.passed else "FAIL") for c in report.checks
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    click.echo(f"\n{report.bank} ({report.source})")
    for row in rows:
        click.echo(
            "  "
            + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False))
            + "  "
            + row[3]
        )


def _cue_report(reports: list[BankCues]) -> int:
    """Print the cue table of every bank, then every failing check with its items; count them."""
    click.echo("\nCue checks (quizzes/README.md explains each metric and limit):")
    for report in reports:
        _table(report)
    failed = [(report, check) for report in reports for check in report.failed]
    if failed:
        click.echo("", err=True)
    for report, check in failed:
        click.echo(
            f"{report.source}: {check.metric}: {check.measured}; limit {check.limit}. "
            f"{check.advice[:1].upper()}{check.advice[1:]}.",
            err=True,
        )
        for finding in check.findings:
            click.echo(f"  {finding}", err=True)
    if failed:
        banks = len({report.bank for report, _ in failed})
        click.echo(f"{len(failed)} cue check(s) failed in {banks} bank(s)", err=True)
    return len(failed)
