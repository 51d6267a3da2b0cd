"""`flask records ...`: verify the learning record's chain (and the administrative audit
log's), print a checkpoint, seal old rows, seed the national default rule sets and recompute
requirement statuses."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from lms.audit import services as admin_audit
from lms.extensions import db
from lms.records import chain, rules
from lms.records.models import RequirementStatus

records_cli = AppGroup("records", help="The learning record (学习档案).")


@records_cli.command("verify")
@click.option("--checkpoint", "checkpoint_mac", default=None,
              help="A chain head printed earlier by `records checkpoint`: prove that the "
                   "history up to it is unchanged.")
@click.option("--statuses/--no-statuses", default=True,
              help="Also recompute every requirement status from the entries (in a "
                   "transaction rolled back afterwards) and name those that differ.")
@click.option("--audit-checkpoint", "audit_checkpoint", default=None,
              help="The audit log's head printed earlier by `records checkpoint`: prove that "
                   "the log up to it is unchanged.")
def verify(checkpoint_mac: str | None, statuses: bool, audit_checkpoint: str | None) -> None:
    """Walk the chain and the administrative audit log; name every row changed, deleted or
    inserted outside the application. Exits 1 when it finds one (or when the checkpoint is
    not in the chain)."""
    report = chain.verify(checkpoint_mac.strip().lower() if checkpoint_mac else None)
    admin = admin_audit.verify(audit_checkpoint.strip().lower() if audit_checkpoint else None)
    report.findings.extend(admin.findings)
    if admin.checkpoint_found is False:
        report.findings.append(chain.Finding(
            "admin_audit", "checkpoint", f"{audit_checkpoint} is not in the log: the log up "
            "to it has been changed"))
    if statuses:
        report.findings.extend(_status_findings())
    for finding in report.findings:
        click.echo(f"TAMPERED {finding}")
    if report.checkpoint_found is False:
        click.echo(f"TAMPERED checkpoint {checkpoint_mac}: not in the chain; the history up "
                   "to it has been changed")
    click.echo(f"records: {report.events} audit events, {report.entries} entries, head seq "
               f"{report.head_seq} {report.head_mac}")
    click.echo(f"audit log: {admin.events} rows, head seq {admin.head_seq} {admin.head_mac}")
    if admin.checkpoint_found:
        click.echo("audit log: the log up to the checkpoint is unchanged")
    if report.checkpoint_found:
        click.echo("records: the history up to the checkpoint is unchanged")
    if not report.ok:
        click.echo(f"records: {len(report.findings)} problems found", err=True)
        sys.exit(1)
    click.echo("records: the chain is intact")


@records_cli.command("checkpoint")
def checkpoint() -> None:
    """Store and print the chain head with its date, and the audit log's head, to keep
    outside the system."""
    point = chain.checkpoint()
    seq, mac = admin_audit.head()
    db.session.commit()
    click.echo(f"{point.created_at.isoformat()}Z seq {point.seq} {point.mac}")
    click.echo(f"{point.created_at.isoformat()}Z audit-log seq {seq} {mac}")


@records_cli.command("seal")
def seal() -> None:
    """Seal entries written before the chain existed into it (after an upgrade, before the
    chain has any event; refused once it has)."""
    try:
        count = chain.seal_unsealed()
    except chain.SealRefused as refused:
        db.session.rollback()
        ids = ", ".join(str(i) for i in refused.entry_ids)
        click.echo(f"records: refused: the chain has started, so entries without a mac were "
                   f"inserted outside the application (ids {ids}); nothing sealed", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"records: {count} entries sealed")


@records_cli.command("seed-rules")
def seed_rules() -> None:
    """Add the national default requirement rule sets when none exists (safe to repeat)."""
    added = rules.seed_defaults()
    db.session.commit()
    if added:
        click.echo(f"records: {added} national default rule sets added, statuses computed")
    else:
        click.echo("records: rule sets exist already; nothing added")


@records_cli.command("recompute")
@click.option("--year", type=int, default=None,
              help="Recompute the windows holding this year (default: this year, last year "
                   "and every window that has statuses).")
def recompute(year: int | None) -> None:
    """Recompute every requirement status from the running totals (entries are untouched).
    Run it at the start of a year so every cadre has a status for the new window."""
    count = rules.recompute_all({year} if year else None)
    db.session.commit()
    click.echo(f"records: {count} requirement statuses recomputed")


def _statuses() -> dict[tuple, tuple]:
    return {(r.user_id, r.rule_set_id, r.window_start): (
        r.window_end, round(r.hours, 4), round(r.days, 4), round(r.ratio, 4), bool(r.met),
        json.dumps(r.missing, sort_keys=True, ensure_ascii=False))
        for r in db.session.execute(select(*RequirementStatus.__table__.columns))}


def _status_findings() -> list[chain.Finding]:
    """Requirement statuses that differ from a recompute from the (verified) totals: a
    status changed in the database. `records recompute` rewrites them."""
    kept = _statuses()
    savepoint = db.session.begin_nested()
    try:
        rules.recompute_held()
        fresh = _statuses()
    finally:
        savepoint.rollback()
    return [chain.Finding("record_statuses", "user {} rule set {} window {}".format(*key),
                          "differs from a recompute from the entries (run `records "
                          "recompute`)")
            for key in sorted(set(kept) | set(fresh)) if kept.get(key) != fresh.get(key)]
