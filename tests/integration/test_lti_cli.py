"""`flask --app wsgi lti …`: registering LMSs and managing the tool's keys from the command line."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app.extensions import db
from app.models.lti import Platform
from app.models.tenancy import Organisation

ISSUER = "https://moodle.example.org"
URLS = [
    "--auth-login-url",
    "https://moodle.example.org/mod/lti/auth.php",
    "--auth-token-url",
    "https://moodle.example.org/mod/lti/token.php",
    "--key-set-url",
    "https://moodle.example.org/mod/lti/certs.php",
]


def _add(runner: FlaskCliRunner, *extra: str, client_id: str = "abc123"):
    return runner.invoke(
        args=["lti", "add-platform", "--issuer", ISSUER, "--client-id", client_id, *extra]
    )


def _counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Platform)), db.session.scalar(
            select(func.count()).select_from(Organisation)
        )


def test_add_list_and_add_a_deployment(app: Flask, runner: FlaskCliRunner):
    result = _add(
        runner,
        "--deployment-id",
        "1",
        *URLS,
        "--name",
        "Open Sky Moodle",
        "--organisation",
        "Open Sky",
    )
    assert result.exit_code == 0, result.output
    assert _add(runner, "--deployment-id", "2").exit_code == 0
    listing = runner.invoke(args=["lti", "list-platforms"]).output
    assert "Open Sky Moodle" in listing
    assert "deployment 1: Open Sky" in listing
    assert "deployment 2" in listing
    assert _counts(app) == (1, 2)


def test_the_operator_sees_and_forgets_the_school_domains_learnt_from_launches(
    app: Flask, runner: FlaskCliRunner
):
    from app.models.certification import AuditEntry

    assert _add(runner, "--deployment-id", "1", *URLS).exit_code == 0
    with app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        platform.frame_origins = ["https://school.moodle.example.org", "https://evil.example"]
        db.session.commit()
    listing = runner.invoke(args=["lti", "list-platforms"]).output
    assert "frames from: https://school.moodle.example.org, https://evil.example" in listing
    base = ["lti", "update-platform", "--issuer", ISSUER, "--client-id", "abc123"]
    forgot = runner.invoke(args=[*base, "--forget-frame-origins", "--reason", "ticket 7"])
    assert forgot.exit_code == 0, forgot.output
    assert "frame origins https://school.moodle.example.org, https://evil.example forgotten" in (
        forgot.output
    )
    assert "frames from" not in runner.invoke(args=["lti", "list-platforms"]).output
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry)).one()
        assert entry.reason.startswith("by the operator: ticket 7; frame origins")
    again = runner.invoke(args=[*base, "--forget-frame-origins", "--reason", "ticket 8"])
    assert again.exit_code == 2  # nothing left to forget, nothing else asked
    assert "give at least one URL to change, or --forget-frame-origins" in again.output


def test_bad_input_is_refused_and_changes_nothing(app: Flask, runner: FlaskCliRunner):
    assert _add(runner, "--deployment-id", "1", *URLS).exit_code == 0

    cases = {
        "already registered": _add(runner, "--deployment-id", "1"),
        "must use https": runner.invoke(
            args=[
                "lti",
                "add-platform",
                "--issuer",
                "http://lms.example.org",
                "--client-id",
                "x",
                "--deployment-id",
                "1",
                *URLS,
            ]
        ),
        "is not registered yet": runner.invoke(
            args=[
                "lti",
                "add-platform",
                "--issuer",
                "https://canvas.example.org",
                "--client-id",
                "x",
                "--deployment-id",
                "1",
            ]
        ),
        "give all three": _add(
            runner, "--deployment-id", "3", "--auth-login-url", "https://a.example.org"
        ),
        "different key-set-url": _add(
            runner, "--deployment-id", "4", *URLS[:5], "https://elsewhere.example.org/jwks"
        ),
        "given twice": _add(runner, "--deployment-id", "5", "--deployment-id", "5"),
        "must be a full URL": runner.invoke(
            args=[
                "lti",
                "add-platform",
                "--issuer",
                "moodle",
                "--client-id",
                "x",
                "--deployment-id",
                "1",
                *URLS,
            ]
        ),
        "--deployment-id is 300 characters; the most is 255": _add(
            runner, "--deployment-id", "d" * 300
        ),
        "--organisation is 201 characters; the most is 200": _add(
            runner, "--deployment-id", "6", "--organisation", "o" * 201
        ),
        "--client-id is 256 characters; the most is 255": _add(
            runner, "--deployment-id", "1", *URLS, client_id="c" * 256
        ),
        "--client-id holds a control character": _add(
            runner, "--deployment-id", "1", *URLS, client_id="abc\t123"
        ),
        "--key-set-url is 1,019 characters; the most is 1000": _add(
            runner,
            *URLS[:5],
            "https://moodle.example.org/" + "k" * 992,
            "--deployment-id",
            "1",
            client_id="new",
        ),
        "is not in the range 1<=x<=2147483647": runner.invoke(
            args=["lti", "sync-roster", "--cohort", "99999999999999999999"]
        ),
    }
    for words, result in cases.items():
        assert result.exit_code != 0, words
        assert words in result.output, (words, result.output)
        assert "sqlalche.me" not in result.output, words  # said by us, not by the database
    assert _counts(app) == (1, 1)


def test_remove_refuses_to_delete_training_records(app: Flask, runner: FlaskCliRunner, lms, client):
    from tests.support.lms import PRACTITIONER

    lms.launch(client, PRACTITIONER)
    args = [
        "lti",
        "remove-platform",
        "--issuer",
        lms.platform.issuer,
        "--client-id",
        lms.platform.client_id,
    ]
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "already holds training records" in result.output
    assert _counts(app) == (1, 1)


def test_remove_an_unused_deployment_then_the_platform(app: Flask, runner: FlaskCliRunner):
    _add(runner, "--deployment-id", "1", "--deployment-id", "2", *URLS)
    base = ["lti", "remove-platform", "--issuer", ISSUER, "--client-id", "abc123"]
    assert runner.invoke(args=[*base, "--deployment-id", "2"]).exit_code == 0
    assert _counts(app) == (1, 1)
    assert runner.invoke(args=base).exit_code == 0
    assert _counts(app) == (0, 0)
    missing = runner.invoke(args=base)
    assert missing.exit_code != 0
    assert "no platform with issuer" in missing.output


def test_rotate_keeps_the_old_key_published_until_retired(
    app: Flask, runner: FlaskCliRunner, client
):
    first = client.get("/lti/jwks").get_json()["keys"][0]["kid"]
    rotated = runner.invoke(args=["lti", "rotate-key"])
    assert rotated.exit_code == 0
    kids = [key["kid"] for key in client.get("/lti/jwks").get_json()["keys"]]
    assert len(kids) == 2
    assert first in kids
    new = next(kid for kid in kids if kid != first)
    assert new in rotated.output
    assert runner.invoke(args=["lti", "retire-key", "--", first]).exit_code == 0
    assert [key["kid"] for key in client.get("/lti/jwks").get_json()["keys"]] == [new]
    last = runner.invoke(args=["lti", "retire-key", "--", new])
    assert last.exit_code != 0
    assert "only active key" in last.output
    assert "retired" in runner.invoke(args=["lti", "list-keys"]).output


def test_an_auth_audience_is_kept_for_token_requests(app: Flask, runner: FlaskCliRunner):
    audience = "https://auth.brightspace.com/core/connect/token"
    result = _add(runner, "--deployment-id", "1", *URLS, "--auth-audience", audience)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(select(Platform)).one().auth_audience == audience


def test_the_operator_cannot_give_a_new_organisation_another_ones_name(
    app: Flask, runner: FlaskCliRunner
):
    assert _add(runner, "--deployment-id", "1", *URLS, "--organisation", "Open Sky").exit_code == 0
    other = ["--deployment-id", "9", *URLS, "--organisation", "open  SKY"]
    refused = _add(runner, *other, client_id="other-client")
    assert refused.exit_code != 0
    assert "another organisation is already called “open  SKY”" in refused.output
    assert _counts(app) == (1, 1), "nothing was registered"
    assert _add(runner, "--deployment-id", "2", "--organisation", "Open Sky").exit_code == 0
