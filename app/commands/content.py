"""`flask --app wsgi content check`: validate courses/ and show what each day teaches."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.content.coverage import completeness_problems, coverage_text, topic_rows
from app.content.fidelity import load_fidelity_scale
from app.content.loader import load_catalog
from app.content.model import TOPIC_AREAS, Catalog, Strategy
from app.content.quizzes import load_quizzes
from app.content.rubrics import load_rubric
from app.content.source import ContentInvalid
from app.content.toolkit import load_toolkit
from app.domain.toolkit import MAX_READING_GRADE, ItemKind, Toolkit

content_cli = AppGroup(
    "content", help="The training content: courses/, quizzes/, rubrics/ and toolkit/."
)


def coverage_table(catalog: Catalog) -> str:
    """Strategies and topic areas by day: how many modules of each day teach each one."""
    labels = {s.value: s.label for s in Strategy} | TOPIC_AREAS
    days = [day.number for day in catalog.days]
    width = max(len(label) for label in labels.values())
    lines = [f"{'':{width}}  " + "  ".join(f"Day {n}" for n in days)]
    for key, by_day in catalog.coverage().items():
        cells = "  ".join(f"{by_day.get(n, 0) or '·':>5}" for n in days)
        lines.append(f"{labels[key]:{width}}  {cells}")
    return "\n".join(lines)


@content_cli.command("check")
@click.option(
    "--path", type=click.Path(path_type=Path), help="A courses folder other than the app's."
)
def check_command(path: Path | None) -> None:
    """Validate every file (errors with file and line), print the coverage tables and the
    readability of handouts and leaflets, and fail on what is still missing."""
    root = path or Path(current_app.config["IMR_SETTINGS"].courses_dir)
    try:
        catalog = load_catalog(root)
    except ContentInvalid as invalid:
        for error in invalid.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(invalid.errors)} problem(s) in {root}", err=True)
        sys.exit(1)
    settings = current_app.config["IMR_SETTINGS"]
    try:
        rubric = load_rubric(settings.rubric_file)
        load_fidelity_scale(settings.fidelity_scale_file, catalog)
        toolkit = load_toolkit(settings.toolkit_dir, catalog, rubric)
        banks = load_quizzes(settings.quizzes_dir, catalog)
    except ContentInvalid as invalid:
        for error in invalid.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(invalid.errors)} problem(s) in rubrics/, toolkit/ or quizzes/", err=True)
        sys.exit(1)
    minutes = sum(day.minutes for day in catalog.days)
    click.echo(
        f"{catalog.title}: {len(catalog.days)} days, {len(catalog.modules)} modules, "
        f"{minutes / 60:.1f} hours. No invalid files.\n"
    )
    click.echo(coverage_table(catalog))
    click.echo("\nThe competency rubric and the IMR Fidelity Scale in rubrics/ are valid too.")
    kinds = Counter(item.kind.label.lower() for item in toolkit.items)
    click.echo(
        "The toolkit's files are valid: "
        + ", ".join(f"{count} {kind}(s)" for kind, count in kinds.items())
        + ".\n\nWhat each topic area has (plans: individual sessions of the usual number):"
    )
    click.echo(coverage_text(topic_rows(catalog, toolkit, banks)))
    _report_readability(toolkit)
    problems = completeness_problems(catalog, toolkit)
    if problems:
        click.echo("\nStill missing (the app runs without them; this check fails):", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        click.echo(f"{len(problems)} completeness problem(s)", err=True)
        sys.exit(1)
    click.echo("\nEvery topic area has its module, handout, full sequence and a group plan.")


def _report_readability(toolkit: Toolkit) -> None:
    """The Flesch-Kincaid grade of every handout and leaflet (the limit is 7; aim for 6)."""
    readers = [i for i in toolkit.items if i.kind in {ItemKind.HANDOUT, ItemKind.LEAFLET}]
    if not readers:
        return
    click.echo(f"\nReadability (Flesch-Kincaid grade; {MAX_READING_GRADE:.0f} at most, aim for 6):")
    for item in readers:
        group = (
            f", group version {item.group_reading_grade:.1f}"
            if item.group_reading_grade is not None
            else ""
        )
        click.echo(
            f"  {item.kind.label.lower()} {item.id}: grade {item.reading_grade:.1f}{group}, "
            f"{item.reading_words} words"
        )
