"""The ``govai`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.accounts.cli import admin_app
from app.core.clock import SystemClock
from app.core.config import get_settings
from app.oauth.cli import client_app, keys_app, token_app

app = typer.Typer(
    help="GovAI Challenge Platform",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database schema", no_args_is_help=True)
catalogue_app = typer.Typer(help="Competition definitions", no_args_is_help=True)
phase_app = typer.Typer(help="The competition lifecycle", no_args_is_help=True)
audit_app = typer.Typer(help="The audit chain", no_args_is_help=True)
user_app = typer.Typer(help="People and their roles", no_args_is_help=True)
files_app = typer.Typer(help="Attachment files", no_args_is_help=True)
mail_app = typer.Typer(help="The e-mail outbox", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(phase_app, name="phase")
app.add_typer(audit_app, name="audit")
app.add_typer(user_app, name="user")
app.add_typer(files_app, name="attachments")
app.add_typer(mail_app, name="mail")
app.add_typer(admin_app, name="admin")
app.add_typer(client_app, name="client")
app.add_typer(token_app, name="token")
app.add_typer(keys_app, name="keys")

CLI_ACTOR = "cli"


def _session(write: bool = True):  # type: ignore[no-untyped-def]
    from app.core.db import make_engine, new_session

    return new_session(make_engine(get_settings()), write=write)


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            envvar="WEB_CONCURRENCY",
            min=1,
            help="Worker processes; more than one with PostgreSQL (SQLite takes one writer).",
        ),
    ] = 1,
    reload: bool = False,
) -> None:
    """Serve the application with uvicorn (request heads bounded as they arrive).

    X-Forwarded-For and X-Forwarded-Proto are believed only from GOVAI_TRUSTED_PROXIES; with
    none, the connection's own address is the client's, whatever the headers say (else anyone
    could pick the address the per-address limits count).
    """
    import uvicorn

    from app.core.serving import uvicorn_options

    settings = get_settings()
    proxies = settings.trusted_proxy_list
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or [],
        **uvicorn_options(settings),
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration up to the newest."""
    from app.core.migrations import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.sqlalchemy_url)
    typer.echo("database at the newest migration")


@catalogue_app.command("load")
def catalogue_load(
    path: Annotated[
        Path | None, typer.Argument(help="A competition folder, or a folder of them")
    ] = None,
) -> None:
    """Validate and load competition definitions; twice in a row changes nothing."""
    from app.competitions.catalogue import CatalogueError
    from app.competitions.sync import load_catalogue
    from app.core.errors import AppError
    from app.core.i18n import gettext

    target = path or get_settings().catalogue_dir
    try:
        with _session() as session, session.begin():
            report = load_catalogue(session, path=target, now=SystemClock().now(), actor=CLI_ACTOR)
    except CatalogueError as exc:
        typer.echo(f"catalogue refused; nothing was loaded:\n{exc}", err=True)
        raise typer.Exit(1) from exc
    except AppError as exc:
        typer.echo(
            "catalogue refused; nothing was loaded: "
            + gettext("en", exc.detail or exc.title, **exc.params),
            err=True,
        )
        raise typer.Exit(1) from exc
    for outcome in ("created", "updated", "unchanged"):
        for slug in getattr(report, outcome):
            typer.echo(f"{slug}: {outcome}")


@phase_app.command("set")
def phase_set(
    slug: str,
    phase: Annotated[
        str, typer.Argument(help="A phase name, or 'schedule' to follow the schedule")
    ],
    reason: Annotated[str | None, typer.Option(help="Why, for the audit log")] = None,
) -> None:
    """Move a competition to another phase (only along the allowed transitions)."""
    from app.access.vocabulary import Phase
    from app.competitions import service
    from app.core.errors import AppError
    from app.core.i18n import gettext

    try:
        with _session() as session, session.begin():
            competition = service.get_competition(session, slug=slug)
            now = SystemClock().now()
            if phase == "schedule":
                result = service.follow_schedule(
                    session, competition=competition, now=now, actor=CLI_ACTOR
                )
            else:
                if phase not in Phase.__members__.values():
                    choices = ", ".join(p.value for p in Phase)
                    typer.echo(f"unknown phase {phase!r}; one of: {choices}, schedule", err=True)
                    raise typer.Exit(2)
                result = service.set_phase(
                    session,
                    competition=competition,
                    target=Phase(phase),
                    now=now,
                    actor=CLI_ACTOR,
                    reason=reason,
                )
    except AppError as exc:
        typer.echo(gettext("en", exc.detail or exc.title, **exc.params), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{slug}: {result.value}")


@user_app.command("grant")
def user_grant(
    email: Annotated[str, typer.Option(help="The user's e-mail address")],
    role: Annotated[str, typer.Option(help="admin, organizer or judge")],
    competition: Annotated[str | None, typer.Option(help="Slug; not for admin")] = None,
) -> None:
    """Grant a role to an existing user (for scripts; audited as the CLI)."""
    from app.access.vocabulary import Role
    from app.competitions import service as competitions
    from app.core.errors import AppError
    from app.core.i18n import gettext
    from app.identity import service

    if role not in {r.value for r in Role}:
        typer.echo(f"unknown role {role!r}; one of: admin, organizer, judge", err=True)
        raise typer.Exit(2)
    try:
        with _session() as session, session.begin():
            user = service.get_user_by_email(session, email=email)
            if user is None:
                typer.echo(f"no user with the e-mail address {email}", err=True)
                raise typer.Exit(1)
            where = competitions.get_competition(session, slug=competition) if competition else None
            service.grant_role(
                session,
                user=user,
                role=Role(role),
                competition=where,
                now=SystemClock().now(),
                actor=CLI_ACTOR,
            )
    except AppError as exc:
        typer.echo(gettext("en", exc.detail or exc.title, **exc.params), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{email}: {role}" + (f" in {competition}" if competition else " (platform-wide)"))


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the whole hash chain; exit 1 if a link does not hold."""
    from app.audit.service import verify_chain

    with _session(write=False) as session:
        report = verify_chain(session)
    if report.valid:
        typer.echo(f"audit chain valid: {report.records} records, head {report.head}")
        return
    typer.echo(f"audit chain BROKEN at record {report.first_bad_seq}: {report.reason}", err=True)
    raise typer.Exit(1)


@files_app.command("sweep")
def attachments_sweep(
    min_age_minutes: Annotated[int, typer.Option(min=1)] = 60,
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
) -> None:
    """Remove stored files that no entry holds and no receipt names, and temporary files a
    crash left behind, when older than --min-age-minutes (uploads in flight are younger)."""
    import time

    from app.submissions import attachments, storage

    with _session(write=False) as session:
        keep = attachments.referenced(session)
    before = time.time() - 60 * min_age_minutes
    swept = storage.sweep(get_settings().data_dir, keep=keep, before=before, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for key in swept.blobs:
        typer.echo(f"{verb} attachments/{key}")
    for name in swept.temporary:
        typer.echo(f"{verb} attachments/tmp/{name}")
    typer.echo(
        f"{verb} {len(swept.blobs)} unreferenced file(s) and {len(swept.temporary)} "
        f"temporary file(s); kept {swept.kept}"
    )


@mail_app.command("send")
def mail_send() -> None:
    """Deliver every message that is due now (first tries and retries)."""
    from app.core.db import make_engine
    from app.mail import service

    settings = get_settings()
    done = service.deliver_due(make_engine(settings), settings, SystemClock())
    typer.echo(f"sent {done.sent}, failed {done.failed}")


@mail_app.command("status")
def mail_status() -> None:
    """How many messages are sent, waiting, and given up after every retry."""
    from app.mail import service

    with _session(write=False) as session:
        counts = service.status(session)
    typer.echo(", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items()))


@mail_app.command("list")
def mail_list(
    given_up: Annotated[bool, typer.Option("--given-up", help="Only those given up")] = False,
    limit: Annotated[int, typer.Option(min=1)] = 100,
) -> None:
    """The messages not delivered yet, oldest first, with their tries and last error."""
    from app.mail import service

    with _session(write=False) as session:
        rows = service.unsent(session, given_up_only=given_up, limit=limit)
    for row in rows:
        state = "given up" if row.attempts >= service.MAX_ATTEMPTS else "waiting"
        error = (row.last_error or "").partition("\n")[0]
        typer.echo(
            f"{row.id}\t{state}, {row.attempts} tries, next {row.next_attempt_at:%Y-%m-%d %H:%M} "
            f"UTC\t{row.recipient}\t{row.subject}\t{error}"
        )
    typer.echo(f"{len(rows)} message(s)")


@mail_app.command("retry")
def mail_retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Message ids (see mail list)")] = None,
    given_up: Annotated[bool, typer.Option("--given-up", help="Every given-up message")] = False,
) -> None:
    """Try undelivered messages again now, with a full run of retries (once the mail server
    works again); the running server, or `govai mail send`, delivers them."""
    from app.mail import service

    if not ids and not given_up:
        raise typer.BadParameter("name message ids, or --given-up")
    with _session() as session, session.begin():
        count = service.retry(session, now=SystemClock().now(), ids=ids, given_up=given_up)
    typer.echo(f"{count} message(s) to try again")


@app.command()
def sweep(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, delete nothing")] = False,
) -> None:
    """Delete rows kept past their use (old idempotency keys, sent e-mail, expired tokens and
    links, ended rate-limit windows), in one transaction; see app/maintenance/service.py."""
    from app.maintenance import service

    settings, now = get_settings(), SystemClock().now()
    with _session(write=not dry_run) as session, session.begin():
        if dry_run:
            counts = service.count(session, now=now, settings=settings)
        else:
            counts = service.sweep(session, now=now, settings=settings)
    verb = "would delete" if dry_run else "deleted"
    for table, n in counts.items():
        typer.echo(f"{table}: {n} {verb}")


def main() -> None:
    app(prog_name="govai")


if __name__ == "__main__":
    main()
