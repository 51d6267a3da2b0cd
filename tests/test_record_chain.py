"""The learning record is tamper-evident: `records verify` names every row changed, deleted or
inserted behind the application's back, and a plain (unkeyed) hash cannot fool it."""
from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from sqlalchemy import text

from lms.core.chain import plain as canonical_value
from lms.extensions import db
from lms.records import chain
from lms.records.models import AuditEvent, ChainHead, RecordEntry, RecordTotal


@pytest.fixture
def record(app, district):
    """Three entries (one reversed) for the learner, written through the application."""
    learner, admin = district["learner"], district["unit_admin"]
    with app.app_context():
        ids = []
        for n, (kind, hours, days) in enumerate([("online_course", 4, 0),  # ints read back
                                                 ("off_job", 0.0, 2.0),        # as floats
                                                 ("self_study", 3.5, 0.0)]):
            entry = chain.append_entry(RecordEntry(
                user_id=learner, kind=kind, title=f"学习{n} 《条例》", hours=hours, days=days,
                occurred_on=date(2026, 3, 1 + n), origin="entered", entered_by_id=admin,
                dedupe_key=f"test:{n}"), actor_id=admin, reason="录入")
            ids.append(entry.id)
        reversal = chain.reverse_entry(db.session.get(RecordEntry, ids[2]), actor_id=admin,
                                       reason="重复录入")
        ids.append(reversal.id)
        db.session.commit()
    return ids


def _verify(app, *args):
    result = app.test_cli_runner().invoke(args=["records", "verify", *args])
    return result.exit_code, result.output


def test_an_untouched_chain_verifies(app, record):
    code, output = _verify(app)
    assert code == 0, output
    assert "4 audit events, 4 entries" in output
    assert "TAMPERED" not in output


def test_totals_follow_entries_and_reversals(app, record, district):
    with app.app_context():
        totals = {t.kind: (t.hours, t.days, t.entries) for t in db.session.scalars(
            db.select(RecordTotal).where(RecordTotal.user_id == district["learner"]))}
    assert totals == {"online_course": (4.0, 0.0, 1), "off_job": (0.0, 2.0, 1),
                      "self_study": (0.0, 0.0, 0)}


def test_the_same_fact_is_recorded_once(app, district):
    with app.app_context():
        def entry():
            return RecordEntry(user_id=district["learner"], kind="online_course", title="x",
                               hours=1.0, occurred_on=date(2026, 1, 5), dedupe_key="same")
        assert chain.append_entry(entry(), actor_id=None) is not None
        assert chain.append_entry(entry(), actor_id=None) is None
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 1


def test_a_reversal_needs_a_reason_and_happens_once(app, record):
    with app.app_context():
        original = db.session.get(RecordEntry, record[0])
        with pytest.raises(ValueError):
            chain.reverse_entry(original, actor_id=None, reason="  ")
        with pytest.raises(ValueError):
            chain.reverse_entry(db.session.get(RecordEntry, record[2]), actor_id=None,
                                reason="again")
        with pytest.raises(ValueError):
            chain.reverse_entry(db.session.get(RecordEntry, record[3]), actor_id=None,
                                reason="reverse a reversal")


def _sql(app, statement: str, **params) -> None:
    with app.app_context():
        db.session.execute(text(statement), params)
        db.session.commit()


def test_an_entry_edited_in_the_database_is_named(app, record):
    _sql(app, "UPDATE record_entries SET hours = 40 WHERE id = :id", id=record[0])
    code, output = _verify(app)
    assert code == 1
    assert f"record_entries id {record[0]}: content does not match its mac" in output
    assert "record_totals" in output  # the totals no longer equal a recount


def test_an_entry_deleted_in_the_database_is_named(app, record):
    _sql(app, "DELETE FROM record_entries WHERE id = :id", id=record[1])
    code, output = _verify(app)
    assert code == 1
    assert f"record_entries id {record[1]}: missing: deleted" in output


def test_an_entry_inserted_in_the_database_is_named(app, record, district):
    with app.app_context():
        genuine = db.session.get(RecordEntry, record[0])
        columns = {c.name: getattr(genuine, c.key) for c in RecordEntry.__table__.columns
                   if c.name != "id"}
    columns.update(dedupe_key="forged", title="伪造的培训", hours=90.0)
    names = ", ".join(columns)
    values = ", ".join(f":{k}" for k in columns)
    columns["details"] = json.dumps(columns["details"])
    _sql(app, f"INSERT INTO record_entries ({names}) VALUES ({values})",  # noqa: S608
         **columns)
    code, output = _verify(app)
    assert code == 1
    with app.app_context():
        forged = db.session.scalar(db.select(RecordEntry.id).filter_by(dedupe_key="forged"))
    assert f"record_entries id {forged}: content does not match its mac" in output


def test_a_row_rewritten_with_a_recomputed_plain_hash_is_still_named(app, record):
    """Someone with database access rewrites an entry and recomputes an unkeyed SHA-256 of
    it the way the application hashes (same canonical content): without the key, it fails."""
    with app.app_context():
        entry = db.session.get(RecordEntry, record[0])
        entry_hours = 40.0
        fields = {name: canonical_value(getattr(entry, name)) for name in chain._ENTRY_FIELDS}
        fields["hours"] = canonical_value(entry_hours)
        plain = hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False,
                                          separators=(",", ":")).encode()).hexdigest()
        db.session.expunge(entry)
    _sql(app, "UPDATE record_entries SET hours = :h, mac = :mac WHERE id = :id",
         h=entry_hours, mac=plain, id=record[0])
    # ... and rewrites the audit event that recorded the mac, recomputing its plain hash too
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(entry_id=record[0]))
        event.entry_mac = plain
        content = {name: canonical_value(getattr(event, name)) for name in chain._AUDIT_FIELDS}
        event.mac = hashlib.sha256(event.prev_mac.encode() + json.dumps(
            content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        ).hexdigest()
        db.session.commit()
        seq = event.seq
    code, output = _verify(app)
    assert code == 1
    assert f"record_entries id {record[0]}: content does not match its mac" in output
    assert f"record_audit seq {seq}" in output


def test_audit_rows_edited_deleted_or_inserted_are_named(app, record):
    _sql(app, "UPDATE record_audit SET reason = '无' WHERE seq = 2")
    code, output = _verify(app)
    assert code == 1 and "record_audit seq 2 (id 2): content does not match" in output

    _sql(app, "DELETE FROM record_audit WHERE seq = 3")
    code, output = _verify(app)
    assert "record_audit seq 3: missing: deleted" in output
    assert "record_audit seq 4 (id 4): does not follow the row before it" in output

    with app.app_context():
        last = db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.seq.desc()))
        head_mac = last.mac
    _sql(app, "INSERT INTO record_audit (seq, at, action, reason, detail, prev_mac, mac) "
              "VALUES (99, :at, 'entry.add', '', '{}', :prev, :mac)",
         at="2026-03-09 00:00:00", prev=head_mac, mac="f" * 64)
    code, output = _verify(app)
    assert "record_audit seq 5: missing: deleted" in output
    assert "record_audit seq 99 (id" in output


def test_deleting_the_newest_rows_shows_against_the_chain_head(app, record):
    with app.app_context():
        last = db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.seq.desc()))
        entry_id = last.entry_id
    _sql(app, "DELETE FROM record_audit WHERE seq = 4")
    _sql(app, "DELETE FROM record_entries WHERE id = :id", id=entry_id)
    code, output = _verify(app)
    assert code == 1
    assert "record_chain_head 1: says seq 4, the chain ends at 3" in output


def test_a_checkpoint_proves_history_up_to_it(app, record, district):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["records", "checkpoint"])
    assert result.exit_code == 0
    printed = result.output.split()
    assert printed[1:3] == ["seq", "4"]
    checkpoint = printed[3]
    with app.app_context():
        assert db.session.get(ChainHead, 1).mac == checkpoint
        # More learning after the checkpoint: history up to it is still unchanged.
        chain.append_entry(RecordEntry(user_id=district["learner"], kind="lecture",
                                       title="讲座", hours=2.0, occurred_on=date(2026, 4, 1),
                                       dedupe_key="later"), actor_id=None)
        db.session.commit()
    code, output = _verify(app, "--checkpoint", checkpoint)
    assert code == 0, output
    assert "unchanged" in output

    # Someone deletes the whole log and rebuilds it from the second event on: the checkpoint
    # no longer appears in the chain.
    code, output = _verify(app, "--checkpoint", "a" * 64)
    assert code == 1
    assert "not in the chain" in output


def test_sealing_brings_old_entries_into_the_chain(app, district):
    _sql(app, "INSERT INTO record_entries (user_id, year, kind, title, hours, days, "
              "occurred_on, organiser, result, details, origin, dedupe_key, note, created_at, "
              "mac) VALUES (:u, 2025, 'online_course', '旧课程', 2.0, 0, '2025-05-01', '', '', "
              "'{}', 'automatic', 'old:1', '', '2025-05-01 08:00:00.123456', '')",
         u=district["learner"])
    code, output = _verify(app)
    assert code == 1 and "content does not match its mac" in output
    result = app.test_cli_runner().invoke(args=["records", "seal"])
    assert "1 entries sealed" in result.output
    code, output = _verify(app)
    assert code == 0, output


def test_concurrent_writers_keep_one_chain_and_record_a_fact_once(app, district, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrent transactions need PostgreSQL (make test runs it there too)")
    import threading

    barrier, errors = threading.Barrier(4), []

    def write(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                for key in (f"own:{n}", "shared"):
                    chain.append_entry(RecordEntry(
                        user_id=district["learner"], kind="lecture", title=f"讲座{n}",
                        hours=1.0, occurred_on=date(2026, 5, 1), dedupe_key=key),
                        actor_id=None)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(RecordEntry)) == 5
    code, output = _verify(app)
    assert code == 0, output
    assert "5 audit events, 5 entries" in output


def test_sealing_refuses_rows_inserted_after_the_chain_started(app, record, district):
    _sql(app, "INSERT INTO record_entries (user_id, year, kind, title, hours, days, "
              "occurred_on, organiser, result, details, origin, dedupe_key, note, created_at, "
              "mac) VALUES (:u, 2026, 'degree', '伪造学历', 500.0, 0, '2026-05-01', '', '', "
              "'{}', 'entered', 'forged:1', '', '2026-05-01 08:00:00', '')",
         u=district["learner"])
    result = app.test_cli_runner().invoke(args=["records", "seal"])
    assert result.exit_code == 1
    assert "refused" in result.output and "nothing sealed" in result.output
    code, output = _verify(app)
    assert code == 1 and "content does not match its mac" in output


def test_a_status_changed_in_the_database_is_named(app, record, district):
    from lms.records import rules

    with app.app_context():
        rules.seed_defaults()
        db.session.commit()
    code, output = _verify(app)
    assert code == 0, output
    _sql(app, "UPDATE record_statuses SET met = :yes, ratio = 1 WHERE user_id = :u",
         yes=True, u=district["learner"])
    code, output = _verify(app)
    assert code == 1
    assert f"record_statuses user {district['learner']} rule set" in output
    app.test_cli_runner().invoke(args=["records", "recompute"])
    code, output = _verify(app)
    assert code == 0, output


def test_a_multi_year_window_gives_no_other_rule_set_a_window(app, record, district):
    """A five-year window that began three years ago gives the yearly rule sets no window of
    that year to compare (a fresh demo, with the national division-level window from 2023,
    verified with a false finding for every yearly status of 2023); a status changed or
    deleted under either kind of window is still named."""
    from sqlalchemy import select

    from lms.records import rules
    from lms.records.models import RequirementStatus, RuleSet

    learner = district["learner"]
    with app.app_context():
        year = rules.this_year()
        rules.seed_defaults()
        rules.save(RuleSet(), {"code": "five", "name": "five", "window_years": 5,
                               "anchor_year": year - 3, "config": {"min_hours": 100}},
                   actor_id=None, reason="test")
        db.session.commit()
        five = db.session.scalar(select(RuleSet.id).where(RuleSet.code == "five"))
        online = db.session.scalar(select(RuleSet.id).where(RuleSet.code == "online-yearly"))
        held = set(db.session.execute(select(RequirementStatus.rule_set_id,
                                             RequirementStatus.window_start).distinct()))
    assert (five, year - 3) in held and (online, year - 3) not in held
    code, output = _verify(app)
    assert code == 0, output
    assert "TAMPERED" not in output

    _sql(app, "UPDATE record_statuses SET met = :yes, ratio = 1 WHERE user_id = :u AND "
              "rule_set_id = :r", yes=True, u=learner, r=five)
    _sql(app, "DELETE FROM record_statuses WHERE user_id = :u AND rule_set_id = :r AND "
              "window_start = :s", u=learner, r=online, s=year)
    code, output = _verify(app)
    assert code == 1
    assert f"record_statuses user {learner} rule set {five} window {year - 3}:" in output
    assert f"record_statuses user {learner} rule set {online} window {year}:" in output
    assert output.count("TAMPERED") == 2, output
    app.test_cli_runner().invoke(args=["records", "recompute"])
    code, output = _verify(app)
    assert code == 0, output
