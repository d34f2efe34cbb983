"""`flask --app wsgi lti ...`: manage LMS registrations and the tool's signing keys."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.lti import keys
from app.lti.registrations import (
    PlatformUrls,
    RegistrationError,
    add_platform,
    list_platforms,
    remove_platform,
)
from app.models.tenancy import Cohort
from app.services.grades import undelivered
from app.tasks import send_grade, sync_cohort_roster

lti_cli = AppGroup("lti", help="LTI 1.3: LMS registrations and the tool's keys.")


@lti_cli.command("add-platform")
@click.option(
    "--issuer",
    required=True,
    help="The LMS's issuer (iss), for example https://canvas.instructure.com",
)
@click.option("--client-id", required=True, help="The client id the LMS gave IMR Academy.")
@click.option(
    "--deployment-id",
    "deployment_ids",
    multiple=True,
    required=True,
    help="A deployment id; repeat for several.",
)
@click.option("--auth-login-url", help="The LMS's OIDC authorisation endpoint.")
@click.option("--auth-token-url", help="The LMS's OAuth 2 token endpoint.")
@click.option("--key-set-url", help="The LMS's public key set (JWKS) URL.")
@click.option("--name", help="A name for the LMS, shown to operators.")
@click.option(
    "--organisation", "organisation_name", help="The organisation these deployments stand for."
)
def add_platform_command(
    issuer: str,
    client_id: str,
    deployment_ids: tuple[str, ...],
    auth_login_url: str | None,
    auth_token_url: str | None,
    key_set_url: str | None,
    name: str | None,
    organisation_name: str | None,
) -> None:
    """Register an LMS, or add a deployment to one already registered."""
    given = [auth_login_url, auth_token_url, key_set_url]
    if any(given) and not all(given):
        raise click.UsageError(
            "give all three of --auth-login-url, --auth-token-url and --key-set-url"
        )
    urls = PlatformUrls(*given) if all(given) else None  # type: ignore[arg-type]
    try:
        platform = add_platform(
            issuer, client_id, list(deployment_ids), urls, name, organisation_name
        )
    except RegistrationError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Registered {platform.name}: issuer {issuer}, client id {client_id}, deployments "
        + ", ".join(org.deployment_id for org in platform.organisations)
    )


@lti_cli.command("list-platforms")
def list_platforms_command() -> None:
    """Show every registered LMS with its deployments."""
    platforms = list_platforms()
    if not platforms:
        click.echo("No LMS is registered yet: use `flask --app wsgi lti add-platform`.")
    for platform in platforms:
        click.echo(
            f"{platform.name}\n  issuer:      {platform.issuer}\n  client id:   {platform.client_id}"
        )
        click.echo(
            f"  login URL:   {platform.auth_login_url}\n  token URL:   {platform.auth_token_url}"
        )
        click.echo(f"  key set URL: {platform.key_set_url}")
        for org in platform.organisations:
            click.echo(f"  deployment {org.deployment_id}: {org.name}")


@lti_cli.command("remove-platform")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--deployment-id", help="Remove only this deployment.")
def remove_platform_command(issuer: str, client_id: str, deployment_id: str | None) -> None:
    """Remove a registration that holds no training records."""
    try:
        removed = remove_platform(issuer, client_id, deployment_id)
    except RegistrationError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Removed {removed}.")


@lti_cli.command("list-keys")
def list_keys_command() -> None:
    """Show the tool's signing keys: the newest active key signs, all active keys are published."""
    for key in keys.all_keys():
        state = f"retired {key.retired_at:%Y-%m-%d}" if key.retired_at else "published"
        click.echo(f"{key.kid}  created {key.created_at:%Y-%m-%d %H:%M}  {state}")


@lti_cli.command("rotate-key")
def rotate_key_command() -> None:
    """Add a new signing key; older keys stay published until retired."""
    key = keys.rotate()
    click.echo(
        f"New signing key {key.kid}. Older keys stay in the JWKS until "
        "`flask --app wsgi lti retire-key KID`; retire them once LMSs have refreshed."
    )


@lti_cli.command("retire-key")
@click.argument("kid")
def retire_key_command(kid: str) -> None:
    """Stop publishing a key (not the only active one)."""
    try:
        keys.retire(kid)
    except keys.ToolKeyError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Retired {kid}: it is no longer in the JWKS.")


@lti_cli.command("sync-grades")
def sync_grades_command() -> None:
    """Send every quiz grade the LMS has not yet accepted (pending or failed)."""
    pending = undelivered()
    for delivery_id in pending:
        outcome = send_grade.apply(args=[delivery_id]).get()
        click.echo(f"grade delivery {delivery_id}: {outcome}")
    click.echo(
        f"{len(pending)} grade(s) were waiting to be sent."
        if pending
        else "Every grade has been delivered."
    )


@lti_cli.command("sync-roster")
@click.option(
    "--cohort", "cohort_id", type=int, help="Only this cohort (its id); otherwise every cohort."
)
def sync_roster_command(cohort_id: int | None) -> None:
    """Refresh cohort rosters from the LMS (Names and Role Provisioning Services)."""
    query = select(Cohort).where(Cohort.nrps_url.is_not(None))
    if cohort_id is not None:
        query = query.where(Cohort.id == cohort_id)
    cohorts = list(db.session.scalars(query))
    if not cohorts:
        raise click.ClickException(
            "no cohort has a roster service from its LMS yet (it arrives with a launch)"
        )
    for cohort in cohorts:
        click.echo(f"{cohort.display_name}: {sync_cohort_roster.apply(args=[cohort.id]).get()}")
