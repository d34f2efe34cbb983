"""Completeness: every topic area has its module, handout, full sequence and a group plan.

`content check` reports and fails on these rules; the app still starts without them.
"""

from __future__ import annotations

from app.content.coverage import completeness_problems, topic_rows
from app.content.loader import load_catalog
from app.content.model import TOPIC_AREAS
from app.content.quizzes import load_quizzes
from app.content.rubrics import load_rubric
from app.content.toolkit import load_toolkit
from config import ROOT_DIR
from tests.support.settings import configured

VALID = ROOT_DIR / "tests" / "fixtures" / "toolkit-v2" / "valid"


def test_the_real_content_is_complete(runner):
    catalog = load_catalog(ROOT_DIR / "courses")
    rubric = load_rubric(ROOT_DIR / "rubrics" / "treatment-integrity.yaml")
    toolkit = load_toolkit(ROOT_DIR / "toolkit", catalog, rubric)
    assert completeness_problems(catalog, toolkit) == []
    banks = load_quizzes(ROOT_DIR / "quizzes", catalog)
    rows = topic_rows(catalog, toolkit, banks)
    assert [row.topic for row in rows] == list(TOPIC_AREAS)
    assert all(row.modules and row.quiz_items for row in rows), rows
    assert sum(row.sessions for row in rows) == 48
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output


def test_content_check_prints_coverage_and_readability_and_fails_on_gaps(app, runner):
    """The fixture toolkit has a little of medication and nothing of the other topics."""
    with configured(app, toolkit_dir=VALID):
        result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    output = result.output
    assert "No invalid files" in output
    table = output[output.index("topic area") : output.index("Readability")].splitlines()
    lines = {line.split()[0]: line.split() for line in table if line.strip()}
    assert lines["medication"][:4] == ["medication", "medication-handout", "2/4", "1"]
    assert lines["healthy-lifestyles"][:4] == ["healthy-lifestyles", "—", "0/4", "0"]
    assert "handout medication-handout: grade 1.7, group version 1.2, 92 words" in output
    assert "leaflet for-supporters: grade 0.9, 31 words" in output
    assert "medication has no individual session plan for session 3, 4 of 4" in output
    assert "healthy-lifestyles has no handout" in output
    assert "the thought-record worksheet is missing" not in output
