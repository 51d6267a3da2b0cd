"""`flask demo load`: the demo district."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.demo.data import ACCOUNTS, DEMO_PASSWORD, assign_demo_course, load_demo

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
def load() -> None:
    """Load the demo district (idempotent) and print one account per role."""
    from lms.demo.training import load_demo_plan

    stats = load_demo()
    click.echo(f"demo district: {stats['units']} units, {stats['cadres_created']} new cadres")
    plan = load_demo_plan()
    click.echo("demo training plan: " + ", ".join(f"{k} {v}" for k, v in plan.items()))
    _print_accounts()


@demo_cli.command("assign")
def assign() -> None:
    """Assign the demo's required course to one street (after `courses sync`; idempotent)."""
    click.echo(f"demo assignment: {assign_demo_course()} cadres reached")


@demo_cli.command("records")
def records() -> None:
    """The demo's learning records: default rule sets, a reading list, the learner's year."""
    from lms.demo.records import load_demo_records

    added = load_demo_records()
    click.echo("demo records: " + ", ".join(f"{k} {v}" for k, v in added.items()))
    from lms.demo.training import load_demo_classes

    made = load_demo_classes()
    click.echo("demo training classes: " + ", ".join(f"{k} {v}" for k, v in made.items()))


@demo_cli.command("accounts")
def accounts() -> None:
    """Print the demo accounts again."""
    _print_accounts()


def _print_accounts() -> None:
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for username, name, role, code in ACCOUNTS:
        click.echo(f"  {role:<11} {username:<12} {name}{'  @' + code if code else ''}")
