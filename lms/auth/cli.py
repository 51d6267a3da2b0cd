"""`flask tokens ...`: API tokens from the command line."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.auth import services

tokens_cli = AppGroup("tokens", help="Manage API tokens.")
users_cli = AppGroup("users", help="Manage user accounts.")


@tokens_cli.command("create")
@click.argument("username")
@click.option("--name", default="cli", help="A label for the token.")
def create_token(username: str, name: str) -> None:
    """Create an API token for USERNAME; the token is printed as the last line."""
    user = services.find_user(username)
    if user is None or not user.is_active:
        raise click.ClickException(f"no active user named {username!r}")
    token = services.create_token(user, name)
    click.echo(f"Token for {user.username} (shown once, store it safely):")
    click.echo(token)
