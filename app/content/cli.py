"""`flask --app wsgi content check`: validate courses/ and show what each day teaches."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.content.fidelity import load_fidelity_scale
from app.content.loader import load_catalog
from app.content.model import TOPIC_AREAS, Catalog, Strategy
from app.content.rubrics import load_rubric
from app.content.source import ContentInvalid
from app.content.toolkit import load_toolkit

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
    """Validate every file; print errors with file and line, or the coverage table."""
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
    except ContentInvalid as invalid:
        for error in invalid.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(invalid.errors)} problem(s) in rubrics/ or toolkit/", err=True)
        sys.exit(1)
    minutes = sum(day.minutes for day in catalog.days)
    click.echo(
        f"{catalog.title}: {len(catalog.days)} days, {len(catalog.modules)} modules, "
        f"{minutes / 60:.1f} hours. No problems found.\n"
    )
    click.echo(coverage_table(catalog))
    click.echo("\nThe competency rubric and the IMR Fidelity Scale in rubrics/ are valid too.")
    kinds = Counter(item.kind.label.lower() for item in toolkit.items)
    click.echo(
        "The toolkit is valid: "
        + ", ".join(f"{count} {kind}(s)" for kind, count in kinds.items())
        + "; every topic area has a session plan and a worksheet."
    )
