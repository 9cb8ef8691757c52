"""``govai admin ...``: the first admin, made from the command line (never "first to register")."""

from __future__ import annotations

from typing import Annotated

import typer

admin_app = typer.Typer(help="Platform administrators", no_args_is_help=True)


@admin_app.command("create")
def create(
    email: Annotated[str, typer.Option(help="The admin's e-mail address")],
    name: Annotated[str | None, typer.Option(help="The admin's name")] = None,
) -> None:
    """Create (or promote) an admin and print a one-time password, to change at first sign-in."""
    from app.accounts import service
    from app.core.clock import SystemClock
    from app.core.config import get_settings
    from app.core.db import make_engine, new_session
    from app.core.errors import AppError, FieldError
    from app.core.i18n import gettext

    settings = get_settings()
    engine = make_engine(settings)
    try:
        with new_session(engine, write=True) as session, session.begin():
            user, password = service.create_admin(
                session, email=email, name=name, now=SystemClock().now(), actor="cli"
            )
            user_id, address = user.id, user.email
    except AppError as exc:
        said = exc.translated("en").values() if isinstance(exc, FieldError) else None
        typer.echo(
            " ".join(said or [gettext("en", exc.detail or exc.title, **exc.params)]), err=True
        )
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    typer.echo(f"admin user:{user_id} <{address}>")
    hours = settings.one_time_password_hours
    typer.echo(
        f"one-time password (shown once; it works for {hours} hours and must be changed "
        f"at first sign-in): {password}"
    )
    if not settings.local_accounts_enabled:
        typer.echo(
            "note: local sign-in is off (GOVAI_OIDC_ISSUER is set); sign in with the provider "
            "using this e-mail address, or set GOVAI_LOCAL_ACCOUNTS=true to use the password.",
            err=True,
        )
