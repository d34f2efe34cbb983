"""`flask --app wsgi lti ...`: manage LMS registrations and the tool's signing keys."""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.dispatch import own_task
from app.extensions import db
from app.lti import keys
from app.lti.registry import find_organisation, find_platform
from app.models.lti import Platform
from app.models.tenancy import Cohort, Organisation
from app.services.audit import audit
from app.services.dynamic_registration import approve, create_invitation, registration_url
from app.services.grades import undelivered
from app.services.registrations import (
    PlatformUrls,
    RegistrationError,
    add_platform,
    list_platforms,
    remove_platform,
    update_platform,
)
from app.tasks import send_grade, sync_cohort_roster
from app.urls import ROW_ID_LIMIT

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
@click.option(
    "--auth-audience",
    help="The audience of access-token requests, if the LMS names one (Brightspace's OAuth 2 Audience).",
)
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
    auth_audience: str | None,
    name: str | None,
    organisation_name: str | None,
) -> None:
    """Register an LMS, or add a deployment to one already registered."""
    urls = None
    if auth_login_url and auth_token_url and key_set_url:
        urls = PlatformUrls(auth_login_url, auth_token_url, key_set_url, auth_audience)
    elif auth_login_url or auth_token_url or key_set_url:
        raise click.UsageError(
            "give all three of --auth-login-url, --auth-token-url and --key-set-url"
        )
    try:
        platform = add_platform(
            issuer, client_id, list(deployment_ids), urls, name, organisation_name
        )
    except RegistrationError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(
        f"Registered {platform.name}: issuer {issuer}, client id {client_id}, deployments "
        + ", ".join(org.deployment_id for org in platform.organisations)
    )


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"


def _problem(holder: Platform | Organisation) -> str | None:
    if holder.last_problem_at is None:
        return None
    return f"last problem {_when(holder.last_problem_at)}: {holder.last_problem_detail}"


@lti_cli.command("list-platforms")
def list_platforms_command() -> None:
    """Show every registered LMS: its deployments, their last launch, and the last problem."""
    platforms = list_platforms()
    if not platforms:
        click.echo(
            "No LMS is registered yet: make a registration URL with `flask --app wsgi lti "
            "registration-url`, or use `flask --app wsgi lti add-platform`."
        )
    for platform in platforms:
        via = "dynamic registration" if platform.registered_via == "dynamic" else "operator"
        click.echo(
            f"{platform.name} (registered {platform.created_at:%Y-%m-%d} by {via})\n"
            f"  issuer:      {platform.issuer}\n  client id:   {platform.client_id}"
        )
        click.echo(
            f"  login URL:   {platform.auth_login_url}\n  token URL:   {platform.auth_token_url}"
        )
        click.echo(f"  key set URL: {platform.key_set_url}")
        if platform.frame_origins:
            click.echo(f"  frames from: {', '.join(platform.frame_origins)} (learnt from launches)")
        if platform.unverified_launches:
            click.echo(
                f"  {platform.unverified_launches} refused launch(es) without a valid signature"
            )
        if problem := _problem(platform):
            deployment = platform.last_problem_deployment or "?"
            click.echo(f"  {problem} (deployment {deployment})")
        for org in platform.organisations:
            status = "  AWAITING APPROVAL" if org.awaiting_approval else ""
            click.echo(
                f"  deployment {org.deployment_id}: {org.name}; last launch "
                f"{_when(org.last_launch_at)}{status}"
            )
            if problem := _problem(org):
                click.echo(f"    {problem}")


@lti_cli.command("registration-url")
@click.option("--note", required=True, help="Who it is for, for your records (e.g. a ticket).")
@click.option("--organisation", "organisation_name", help="Prefill the organisation's name.")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 30))
@click.option(
    "--approval/--no-approval",
    default=None,
    help="Whether the new connection waits for approval (default: LTI_REGISTRATION_APPROVAL).",
)
@click.option(
    "--for-connection",
    "for_connection",
    nargs=2,
    metavar="ISSUER CLIENT_ID",
    help="Make a link that updates this existing connection (Moodle's Update) instead.",
)
def registration_url_command(
    note: str,
    organisation_name: str | None,
    days: int,
    approval: bool | None,
    for_connection: tuple[str, str] | None,
) -> None:
    """Make a single-use LTI Dynamic Registration URL (at PUBLIC_URL) for an LMS administrator."""
    updates = _connection(*for_connection) if for_connection else None
    needs_approval = (
        current_app.config["IMR_SETTINGS"].registration_needs_approval
        if approval is None
        else approval
    )
    try:
        token = create_invitation(
            note, timedelta(days=days), needs_approval, organisation_name, updates=updates
        )
    except RegistrationError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(registration_url(token))
    if updates is not None:
        click.echo(
            f"Works once, for {days} day(s), and only updates {updates.name} (issuer "
            f"{updates.issuer}, client id {updates.client_id}); its organisations stay.",
            err=True,
        )
        return
    click.echo(
        f"Works once, for {days} day(s). "
        + (
            "The connection then waits for approval (`lti approve`, or a director's launch)."
            if needs_approval
            else "The connection is usable at once."
        ),
        err=True,
    )


def _connection(issuer: str, client_id: str) -> Platform:
    platform = find_platform(issuer, client_id)
    if platform is None:
        raise click.BadParameter(
            f"no connection with issuer {issuer} and client id {client_id}: see "
            "`flask --app wsgi lti list-platforms`",
            param_hint="--for-connection",
        )
    return platform


@lti_cli.command("update-platform")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--auth-login-url", help="The LMS's new OIDC authorisation endpoint.")
@click.option("--auth-token-url", help="The LMS's new OAuth 2 token endpoint.")
@click.option("--key-set-url", help="The LMS's new public key set (JWKS) URL.")
@click.option("--auth-audience", help="The audience of access-token requests.")
@click.option(
    "--forget-frame-origins",
    is_flag=True,
    help="Forget the school domains learnt from launches; signed launches teach them again.",
)
@click.option("--reason", required=True, help="Why, for the audit log (e.g. a ticket).")
def update_platform_command(
    issuer: str,
    client_id: str,
    auth_login_url: str | None,
    auth_token_url: str | None,
    key_set_url: str | None,
    auth_audience: str | None,
    forget_frame_origins: bool,
    reason: str,
) -> None:
    """Change an existing LMS registration's URLs: the only way to, and always audited."""
    platform = _connection(issuer, client_id)
    changes = {
        "auth_login_url": auth_login_url,
        "auth_token_url": auth_token_url,
        "key_set_url": key_set_url,
        "auth_audience": auth_audience,
    }
    try:
        changed = update_platform(platform, {k: v for k, v in changes.items() if v})
    except RegistrationError as error:
        raise click.ClickException(str(error)) from None
    if forget_frame_origins and platform.frame_origins:
        changed.append(f"frame origins {', '.join(platform.frame_origins)} forgotten")
        platform.frame_origins = []
    if not changed:
        raise click.UsageError("give at least one URL to change, or --forget-frame-origins")
    for organisation in platform.organisations:
        audit(
            organisation.id,
            None,
            "lms-connection-updated",
            platform.issuer,
            f"by the operator: {reason}; " + ", ".join(changed),
        )
    db.session.commit()
    click.echo(f"Updated {platform.name}: " + "; ".join(changed))


@lti_cli.command("approve")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--deployment-id", required=True)
def approve_command(issuer: str, client_id: str, deployment_id: str) -> None:
    """Approve a deployment registered dynamically, so people can launch into it."""
    platform = find_platform(issuer, client_id)
    organisation = find_organisation(platform, deployment_id) if platform else None
    if organisation is None:
        raise click.ClickException(
            f"no deployment {deployment_id} for issuer {issuer} and client id {client_id}: "
            "see `flask --app wsgi lti list-platforms`"
        )
    if not organisation.awaiting_approval:
        click.echo(f"Deployment {deployment_id} ({organisation.name}) was already approved.")
        return
    approve(organisation)
    audit(organisation.id, None, "lms-connection-approved", deployment_id, "by the operator")
    db.session.commit()
    click.echo(f"Approved deployment {deployment_id} ({organisation.name}).")


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
    db.session.commit()
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
    db.session.commit()
    click.echo(
        f"New signing key {key.kid}. Older keys stay in the JWKS until "
        "`flask --app wsgi lti retire-key -- KID` (the `--` lets a kid begin with a dash); "
        "retire them once LMSs have refreshed."
    )


@lti_cli.command("retire-key")
@click.argument("kid")
def retire_key_command(kid: str) -> None:
    """Stop publishing a key (not the only active one)."""
    try:
        keys.retire(kid)
    except keys.ToolKeyError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Retired {kid}: it is no longer in the JWKS.")


@lti_cli.command("sync-grades")
def sync_grades_command() -> None:
    """Send every quiz grade the LMS has not yet accepted (pending or failed)."""
    pending = undelivered()
    for delivery_id in pending:
        outcome = own_task(send_grade).apply(args=[delivery_id]).get()
        click.echo(f"grade delivery {delivery_id}: {outcome}")
    click.echo(
        f"{len(pending)} grade(s) were waiting to be sent."
        if pending
        else "Every grade has been delivered."
    )


@lti_cli.command("sync-roster")
@click.option(
    "--cohort",
    "cohort_id",
    type=click.IntRange(1, ROW_ID_LIMIT),
    help="Only this cohort (its id); otherwise every cohort.",
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
    failed = 0
    for cohort in cohorts:
        outcome = own_task(sync_cohort_roster).apply(args=[cohort.id]).get()
        failed += not outcome.succeeded
        click.echo(f"{_cohort_line(cohort)}: {outcome.line}")
    if failed:
        raise click.ClickException(
            f"{failed} of {len(cohorts)} roster(s) could not be refreshed (the log has the "
            "LMS's full answers); run the command again later"
        )


def _cohort_line(cohort: Cohort) -> str:
    """Which course of which organisation and deployment, as an operator tells them apart."""
    organisation = db.session.get_one(Organisation, cohort.organisation_id)
    return (
        f"{organisation.name} (deployment {organisation.deployment_id}), "
        f"cohort {cohort.id} {cohort.display_name}"
    )
