"""`flask units|users|cadres ...`: the organisation from the command line."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from lms.auth.cli import users_cli
from lms.auth.models import User
from lms.auth.passwords import hash_password, policy_errors
from lms.auth.services import find_user
from lms.extensions import db
from lms.org import importer, services
from lms.org.models import ROLES, UNIT_KINDS

units_cli = AppGroup("units", help="Manage the unit tree.")
cadres_cli = AppGroup("cadres", help="Manage cadres.")


@units_cli.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--parent", "parent_code", help="Code of the parent unit.")
@click.option("--kind", type=click.Choice(UNIT_KINDS), default=None,
              help="Unit kind (default: district for a root, office otherwise).")
def create_unit(code: str, name: str, parent_code: str | None, kind: str | None) -> None:
    """Create a unit CODE named NAME."""
    parent = None
    if parent_code:
        parent = services.unit_by_code(parent_code)
        if parent is None:
            raise click.ClickException(f"no unit with code {parent_code!r}")
    try:
        unit = services.create_unit(code, name, kind or ("office" if parent else "district"),
                                    parent)
    except services.OrgError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created unit {unit.code} ({unit.name})")


@users_cli.command("create")
@click.argument("username")
@click.option("--password", required=True, help="Must meet the password policy.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--unit", "unit_code",
              help="Unit code (required for every role but sysadmin and auditor).")
@click.option("--name", default=None, help="Display name (default: the username).")
def create_user(username: str, password: str, role: str, unit_code: str | None,
                name: str | None) -> None:
    """Create USERNAME with a role over a unit; a user with a unit gets a cadre profile."""
    if db.session.query(User.id).filter_by(username=username).first():
        raise click.ClickException(f"user {username!r} already exists")
    if not importer.USERNAME_RE.match(username):
        raise click.ClickException("username: use 2-64 letters, digits or . _ @ -")
    errors = policy_errors(password, username)
    if errors:
        raise click.ClickException("password: " + " ".join(errors))
    unit = None
    if unit_code:
        unit = services.unit_by_code(unit_code)
        if unit is None:
            raise click.ClickException(f"no unit with code {unit_code!r}")
    elif role not in services.GLOBAL_ROLES:
        raise click.ClickException(f"--unit is required for role {role}")
    services.add_account(username, name or username, hash_password(password), role, unit)
    click.echo(f"created user {username} ({role}{' at ' + unit.code if unit else ''})")


def _user_or_fail(username: str) -> User:
    user = find_user(username)
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


def _unit_or_fail(unit_code: str | None, role: str):
    if role in services.GLOBAL_ROLES:
        return None
    if not unit_code:
        raise click.ClickException(f"--unit is required for role {role}")
    unit = services.unit_by_code(unit_code)
    if unit is None:
        raise click.ClickException(f"no unit with code {unit_code!r}")
    return unit


@users_cli.command("grant")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--unit", "unit_code", help="Unit code (not for sysadmin and auditor, who hold "
                                          "their role everywhere).")
def grant(username: str, role: str, unit_code: str | None) -> None:
    """Grant ROLE to USERNAME: how a deployment makes its first system administrator,
    organisation-department administrator or security auditor. Logged in the audit log."""
    user = _user_or_fail(username)
    unit = _unit_or_fail(unit_code, role)
    try:
        services.grant_role(user, role, unit)
    except services.OrgError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"granted {role} to {username}{' at ' + unit.code if unit else ''}")


@users_cli.command("revoke")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--unit", "unit_code", help="Unit code of the grant (not for sysadmin and "
                                          "auditor).")
def revoke(username: str, role: str, unit_code: str | None) -> None:
    """Revoke ROLE from USERNAME. Logged in the audit log."""
    user = _user_or_fail(username)
    unit = _unit_or_fail(unit_code, role)
    found = [g for g in user.grants
             if g.role == role and g.unit_id == (unit.id if unit else None)]
    if not found:
        raise click.ClickException(f"{username} does not hold {role} there")
    services.revoke_role(found[0])
    click.echo(f"revoked {role} from {username}")


@cadres_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_cadres(file: Path) -> None:
    """Import cadres from an .xlsx or .csv FILE (all or nothing)."""
    result = importer.import_cadres(file.read_bytes(), file.name)
    if not result.ok:
        for err in result.errors:
            where = f"row {err.row}" if err.row else "file"
            click.echo(f"{where}: {err.title(importer.cadre_columns())}: {err.message}", err=True)
        raise click.ClickException(f"{len(result.errors)} problem(s); nothing was imported")
    click.echo(f"imported: {result.created} created, {result.updated} updated")
