"""A district at scale for bench/records: 50,000 cadres, 2,000,000 learning-record entries.

    python bench/records_setup.py build [--db bench_records] [--cadres 50000]
                                        [--entries 2000000] [--years 4] [--seed 2026]
    python bench/records_setup.py sample COUNT        (random cadre usernames, one a line)
    python bench/records_setup.py drop [--db bench_records]

`build` drops and recreates the PostgreSQL database (its name must start with `bench_`; never
`test`), runs the migrations, then writes with COPY (psycopg):

- a unit tree of 1,001 units: the district QU, 24 streets (JD01…) and 16 departments (BM01…),
  each with 24 communities or offices;
- 50,000 active cadres (c000001…) spread over the units, ranks mixed (about 4 % division,
  30 % section, 36 % sub-section, 30 % none), 0–2 category tags each (about 12 %
  professional and technical staff), each with the learner role at their unit; the
  organisation-department administrator `zzb_admin` (org_admin over QU) and the unit
  administrator `jd_admin` (unit_admin over JD01); every password is `Bench2026study`;
- 2,000,000 record entries over the last `--years` calendar years up to today (the current
  year by the share of it gone by), in time order: every form of learning (online courses
  most, exams, reading notes, classes, off-job, rotation, secondment, self-study, collective
  study, lectures, degree programmes over several years), per cadre a diligence factor so
  that some meet their requirements and some do not; about 0.3 % reversed later with a
  reason. Each entry carries its keyed hash (`chain.entry_mac`) and an "entry.add" or
  "entry.reverse" audit event chained with `chain.event_mac`, under the app's key (SECRET_KEY
  or LMS_RECORDS_KEY from the environment, as for `flask`), so `flask records verify` passes;
  the chain head row;
- `record_totals` as a recount of the entries (what `append_entry` keeps up to date);
- the national default rule sets (`rules.seed_defaults()`, which computes the statuses of this
  year and last year) and then `rules.recompute_rule_set` for the earlier years of the data.

It prints one JSON line: the counts and how long each step took. ANALYZE is left to the
caller (bench/records runs it).

`sample` prints COUNT random cadre usernames (for wrk). `drop` drops the database.
DATABASE_URL is not read: the database is `--db` on 127.0.0.1:5432 as `postgres`.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import psycopg

PG = "postgresql://postgres@127.0.0.1:5432/"
PASSWORD = "Bench2026study"  # noqa: S105 - the bench accounts' password, printed in the docs
STREETS, DEPARTMENTS, CHILDREN = 24, 16, 24
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏飞宇晨欣怡浩然"
# kind: (weight, automatic?, hours range, days range, titles)
KINDS = {
    "online_course": (56, True, (1.0, 10.0), None, ["习近平新时代中国特色社会主义思想专题",
                                                    "公文写作基础", "依法行政能力提升",
                                                    "数字政府建设", "基层治理实务"]),
    "exam": (8, True, None, None, ["任职资格考试（政治理论）", "业务知识测试"]),
    "reading_note": (5, True, None, None, ["读书笔记：《习近平谈治国理政》",
                                           "读书笔记：《中国共产党简史》"]),
    "training_class": (6, True, None, (1, 6), ["区委党校主体班", "中青年干部培训班"]),
    "off_job": (4, False, None, (2, 12), ["短期脱产培训", "高校研修班"]),
    "rotation": (2, False, None, (5, 20), ["进修轮训"]),
    "secondment": (0.3, False, None, (20, 60), ["基层挂职锻炼"]),
    "self_study": (7, False, (2.0, 10.0), None, ["在职自学"]),
    "collective_study": (7, False, (2.0, 6.0), None, ["党组理论学习中心组学习"]),
    "lecture": (4.5, False, (1.0, 3.0), None, ["专家知识讲座"]),
    "degree": (0.2, False, (100.0, 300.0), None, ["在职研究生（公共管理硕士）"]),
}
ORGANISERS = ["区委组织部", "区委党校", "区人社局", "市委党校", "浙江大学"]
ENTRY_COLUMNS = ("id", "user_id", "year", "kind", "subject_id", "title", "hours", "days",
                 "occurred_on", "started_on", "ended_on", "organiser", "result", "details",
                 "origin", "entered_by_id", "verified_by_id", "source", "course_id",
                 "dedupe_key", "reverses_id", "note", "reference", "score", "created_at",
                 "mac")
AUDIT_COLUMNS = ("id", "seq", "at", "actor_id", "user_id", "action", "entry_id", "entry_mac",
                 "reason", "detail", "prev_mac", "mac")


def _guard(name: str) -> str:
    if not name.startswith("bench_") or name in ("test", "bench"):
        raise SystemExit(f"refusing database {name!r}: its name must start with bench_")
    return name


def _admin(sql: str) -> None:
    with psycopg.connect(PG + "postgres", autocommit=True) as conn:
        conn.execute(sql)


def recreate(name: str) -> None:
    _admin(f"DROP DATABASE IF EXISTS {_guard(name)} WITH (FORCE)")
    _admin(f"CREATE DATABASE {name}")


class Timer:
    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self._t = time.monotonic()

    def step(self, name: str) -> None:
        now = time.monotonic()
        self.steps[name] = round(now - self._t, 1)
        self._t = now
        print(f"   {name}: {self.steps[name]} s", file=sys.stderr, flush=True)


def _copy(conn, table: str, columns: tuple[str, ...], rows) -> int:
    n = 0
    with conn.cursor() as cur, cur.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def drop_indexes(conn, tables: tuple[str, ...]) -> list[str]:
    """Drop the secondary indexes, unique and foreign-key constraints of `tables` (bulk loads
    run much faster without them); return the statements that put them back."""
    constraints = conn.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c WHERE c.contype IN ('u', 'f') "
        "AND c.conrelid::regclass::text = ANY(%s)", (list(tables),)).fetchall()
    indexes = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        (list(tables),)).fetchall()
    for table, name, _definition in constraints:
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    return [d for _n, d in indexes] + [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}'
                                       for t, n, d in constraints]


def _setval(conn, table: str) -> None:
    conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                 f"(SELECT coalesce(max(id), 1) FROM {table}))")  # our own table names


# ---- people ------------------------------------------------------------------------------

def units() -> list[tuple]:
    """(id, code, name, kind, parent_id, path, depth) of the unit tree."""
    now = datetime(2023, 1, 1)
    rows = [(1, "QU", "青山区", "district", None, "/1/", 0, now)]
    next_id = 2
    tops = [(f"JD{i:02d}", f"第{i}街道", "street", "SQ", "社区", "community")
            for i in range(1, STREETS + 1)]
    tops += [(f"BM{i:02d}", f"区直第{i}部门", "department", "KS", "科室", "office")
             for i in range(1, DEPARTMENTS + 1)]
    for code, name, kind, child, child_name, child_kind in tops:
        top_id, next_id = next_id, next_id + 1
        rows.append((top_id, code, name, kind, 1, f"/1/{top_id}/", 1, now))
        for j in range(1, CHILDREN + 1):
            rows.append((next_id, f"{code}-{child}{j:02d}", f"{name}{j}{child_name}",
                         child_kind, top_id, f"/1/{top_id}/{next_id}/", 2, now))
            next_id += 1
    return rows


def people(conn, rng: random.Random, count: int, unit_rows: list[tuple],
           category_ids: dict[str, int]) -> tuple[list[int], dict[int, str], dict[int, int]]:
    """Users, cadre profiles, categories and role grants. Returns the cadre ids, the cadre
    ids' ranks and the admins' ids."""
    sys.path.insert(0, os.getcwd())
    from lms.auth.passwords import hash_password

    digest = hash_password(PASSWORD)
    created = datetime(2023, 1, 1)
    leaf_units = [u[0] for u in unit_rows if u[6] >= 1]
    code_id = {u[1]: u[0] for u in unit_rows}
    users, profiles, grants, tags = [], [], [], []
    admin_ids = {}
    for uid, username, name in ((1, "zzb_admin", "组织部管理员"), (2, "jd_admin", "街道管理员")):
        users.append((uid, username, name, digest, True, False, None, secrets.token_hex(16),
                      created, None))
        admin_ids[uid] = username
    grants.append((1, 1, "org_admin", code_id["QU"], created))
    grants.append((2, 2, "unit_admin", code_id["JD01"], created))
    ranks = {}
    other_tags = [v for k, v in category_ids.items() if k != "professional"]
    cadre_ids = []
    for n in range(1, count + 1):
        uid = n + 2
        cadre_ids.append(uid)
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        users.append((uid, f"c{n:06d}", name, digest, True, False, None,
                      secrets.token_hex(16), created, None))
        unit = rng.choice(leaf_units)
        rank = rng.choices(("division", "section", "subsection", "none"),
                           (4, 30, 36, 30))[0]
        ranks[uid] = rank
        professional = rng.random() < 0.12
        title = rng.choice(("junior", "mid", "senior")) if professional else "none"
        profiles.append((uid, unit, rng.choice(("male", "female")), rank, "干部",
                         date(rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28)),
                         rng.choice(("master", "bachelor", "bachelor", "college")),
                         rng.choice(("member", "member", "masses", "activist")), title,
                         created))
        chosen = set(rng.sample(other_tags, rng.choice((0, 1, 1, 2))))
        if professional:
            chosen.add(category_ids["professional"])
        tags += [(uid, c) for c in sorted(chosen)]
        grants.append((len(grants) + 1, uid, "learner", unit, created))
    _copy(conn, "users", ("id", "username", "name", "password_hash", "is_active",
                          "must_change_password", "locale", "session_token", "created_at",
                          "last_login_at"), users)
    _copy(conn, "cadre_profiles", ("user_id", "unit_id", "gender", "rank", "position",
                                   "birth_date", "education", "party_status", "title_level",
                                   "updated_at"), profiles)
    # The administrators have profiles too (at the district and at JD01).
    _copy(conn, "cadre_profiles", ("user_id", "unit_id", "rank", "title_level", "updated_at"),
          [(1, code_id["QU"], "section", "none", created),
           (2, code_id["JD01"], "section", "none", created)])
    _copy(conn, "cadre_categories", ("cadre_id", "category_id"), tags)
    _copy(conn, "role_grants", ("id", "user_id", "role", "unit_id", "created_at"), grants)
    for table in ("users", "role_grants"):
        _setval(conn, table)
    return cadre_ids, ranks, admin_ids


# ---- the record --------------------------------------------------------------------------

def _draw_entries(rng: random.Random, cadre_ids: list[int], count: int, years: list[int],
                  today: date) -> list[tuple]:
    """(occurred_on, created_at, user_id, kind, subject, hours, days, started, ended) in time
    order. Busier cadres (a log-normal diligence factor) get more entries and longer ones."""
    diligence = [rng.lognormvariate(0, 0.45) for _ in cadre_ids]
    cum, total = [], 0.0
    for d in diligence:
        total += d
        cum.append(total)
    weight_of = dict(zip(cadre_ids, diligence, strict=True))
    spans = []
    for y in years:
        last = min(date(y, 12, 31), today)
        spans.append((date(y, 1, 1), (last - date(y, 1, 1)).days + 1))
    year_weights = [s[1] for s in spans]
    kinds = list(KINDS)
    kind_weights = [KINDS[k][0] for k in kinds]
    users = rng.choices(cadre_ids, cum_weights=cum, k=count)
    picked_kinds = rng.choices(kinds, kind_weights, k=count)
    picked_years = rng.choices(range(len(spans)), year_weights, k=count)
    out = []
    for uid, kind, yi in zip(users, picked_kinds, picked_years, strict=True):
        first, length = spans[yi]
        day = first + timedelta(days=rng.randrange(length))
        _w, _auto, hours_range, days_range, _titles = KINDS[kind]
        factor = min(2.0, weight_of[uid])
        hours = round(rng.uniform(*hours_range) * factor * 2) / 2 if hours_range else 0.0
        days = float(rng.randint(*days_range)) if days_range else 0.0
        started = ended = None
        if days:
            started, ended = day - timedelta(days=int(days) - 1), day
        if kind == "degree":
            started, ended = date(day.year - rng.randint(1, 2), 9, 1), day
        created = datetime.combine(day, datetime.min.time()) + timedelta(
            seconds=rng.randint(8 * 3600, 20 * 3600))
        created = min(created, datetime.now() - timedelta(minutes=5))
        out.append((day, created, uid, kind, rng.randint(1, 6), hours, days, started, ended))
    out.sort(key=lambda e: (e[1], e[2]))
    return out


def record(conn, rng: random.Random, drawn: list[tuple], admin_ids: dict[int, str],
           key: bytes, timer: Timer, name: str) -> dict:
    """Entries (with reversals of about 0.3 % of them, appended later) and their chained
    audit events, streamed through two COPYs (entries on `conn`, events on a second
    connection) as they are hashed."""
    from lms.core.chain import GENESIS
    from lms.records.chain import entry_mac, event_mac

    admins = list(admin_ids)
    prev, seq, count, reversals = GENESIS, 0, 0, 0
    reversed_later: list[tuple[float, SimpleNamespace]] = []
    now = datetime.now().replace(microsecond=0) - timedelta(minutes=1)
    events_conn = psycopg.connect(PG + name)
    entry_cur, event_cur = conn.cursor(), events_conn.cursor()
    with entry_cur.copy(f"COPY record_entries ({', '.join(ENTRY_COLUMNS)}) FROM STDIN") \
            as entry_copy, event_cur.copy(
            f"COPY record_audit ({', '.join(AUDIT_COLUMNS)}) FROM STDIN") as event_copy:

        def add(e: SimpleNamespace, action: str, actor: int | None, reason: str) -> None:
            nonlocal prev, seq, count
            e.mac = entry_mac(e, key)
            entry_copy.write_row(tuple(
                getattr(e, c) if c != "details" else json.dumps(e.details, ensure_ascii=False)
                for c in ENTRY_COLUMNS))
            count += 1
            seq += 1
            ev = SimpleNamespace(
                id=seq, seq=seq, at=e.created_at, actor_id=actor, user_id=e.user_id,
                action=action, entry_id=e.id, entry_mac=e.mac, reason=reason,
                detail={"kind": e.kind, "hours": e.hours, "days": e.days, "year": e.year},
                prev_mac=prev)
            ev.mac = event_mac(ev, prev, key)
            prev = ev.mac
            event_copy.write_row((ev.id, ev.seq, ev.at, ev.actor_id, ev.user_id, ev.action,
                                  ev.entry_id, ev.entry_mac, ev.reason, json.dumps(ev.detail),
                                  ev.prev_mac, ev.mac))

        def reversal(original: SimpleNamespace, at: datetime) -> None:
            nonlocal reversals
            actor = rng.choice(admins)
            reason = "登记有误，予以更正"
            r = SimpleNamespace(**{c: getattr(original, c) for c in ENTRY_COLUMNS})
            r.id = count + 1
            r.hours, r.days = -original.hours, -original.days
            r.details = {"reversed_on": at.date().isoformat()}
            r.origin, r.entered_by_id, r.verified_by_id = "entered", actor, None
            r.reverses_id, r.note = original.id, reason
            r.dedupe_key = f"reversal:{original.id}"
            r.created_at = at
            add(r, "entry.reverse", actor, reason)
            reversals += 1

        for day, created, uid, kind, subject, hours, days, started, ended in drawn:
            while reversed_later and reversed_later[0][0] <= created.timestamp():
                moment, original = reversed_later.pop(0)
                reversal(original, datetime.fromtimestamp(moment).replace(microsecond=0))
            _w, automatic, _h, _d, titles = KINDS[kind]
            origin = "automatic" if automatic else rng.choice(("entered", "entered",
                                                               "verified"))
            actor = None if automatic else rng.choice(admins)
            score = round(rng.uniform(60, 100), 1) if kind == "exam" else None
            details = {}
            if kind == "degree":
                details = {"institution": "浙江大学", "programme": "公共管理", "degree": "硕士"}
            e = SimpleNamespace(
                id=count + 1, user_id=uid, year=day.year, kind=kind, subject_id=subject,
                title=rng.choice(titles), hours=hours, days=days, occurred_on=day,
                started_on=started, ended_on=ended,
                organiser="" if kind == "online_course" else rng.choice(ORGANISERS),
                result=f"{score:.1f}%" if score is not None else rng.choice(("合格", "")),
                details=details, origin=origin,
                entered_by_id=actor if origin == "entered" else None,
                verified_by_id=actor if origin == "verified" else None, source=None,
                course_id=None, dedupe_key=f"bench:{count + 1}", reverses_id=None, note="",
                reference=f"ZS{count + 1:08d}" if kind == "exam" else None, score=score,
                created_at=created.replace(microsecond=0), mac="")
            add(e, "entry.add", actor, "")
            if rng.random() < 0.003:
                later = created + timedelta(days=rng.randint(1, 60))
                if later < now:
                    reversed_later.append((later.timestamp(), e))
                    reversed_later.sort(key=lambda x: x[0])
        for moment, original in reversed_later:
            reversal(original, datetime.fromtimestamp(moment).replace(microsecond=0))
    events_conn.execute("INSERT INTO record_chain_head (id, seq, mac) VALUES (1, %s, %s) "
                        "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, mac = excluded.mac",
                        (seq, prev))
    _setval(events_conn, "record_audit")
    events_conn.commit()
    events_conn.close()
    _setval(conn, "record_entries")
    timer.step("entries and audit events hashed and written (COPY)")
    conn.execute("""
        INSERT INTO record_totals (user_id, year, kind, subject_id, hours, days, entries)
        SELECT user_id, year, kind, subject_id, sum(hours), sum(days),
               sum(CASE WHEN reverses_id IS NULL THEN 1 ELSE -1 END)
        FROM record_entries GROUP BY user_id, year, kind, subject_id""")
    timer.step("record_totals (a recount of the entries)")
    return {"entries": count, "reversals": reversals, "audit_events": seq}


def build(args) -> dict:
    """Recreate the database and fill it; returns counts and timings."""
    timer = Timer()
    name = _guard(args.db)
    recreate(name)
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    sys.path.insert(0, os.getcwd())
    from flask_migrate import upgrade

    from lms import create_app
    from lms.extensions import db
    from lms.records import chain, rules

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        key = chain.records_key()
        today = rules.local_today()
    timer.step("migrations")
    rng = random.Random(args.seed)
    years = list(range(today.year - args.years + 1, today.year + 1))
    with psycopg.connect(PG + name) as conn:
        category_ids = dict(conn.execute("SELECT code, id FROM categories").fetchall())
        unit_rows = units()
        _copy(conn, "units", ("id", "code", "name", "kind", "parent_id", "path", "depth",
                              "created_at"), unit_rows)
        _setval(conn, "units")
        cadre_ids, ranks, admin_ids = people(conn, rng, args.cadres, unit_rows, category_ids)
        conn.commit()
        timer.step("units and cadres")
        drawn = _draw_entries(rng, cadre_ids, args.entries, years, today)
        timer.step("entries drawn")
        restore = drop_indexes(conn, ("record_entries", "record_audit"))
        conn.commit()
        counts = record(conn, rng, drawn, admin_ids, key, timer, name)
        del drawn
        for statement in restore:
            conn.execute(statement)
        conn.commit()
        timer.step("indexes and constraints of entries and audit events rebuilt")
    with psycopg.connect(PG + name, autocommit=True) as conn:
        conn.execute("ANALYZE")
    timer.step("analyze")
    with app.app_context():
        seeded = rules.seed_defaults()
        db.session.commit()
        timer.step("rules.seed_defaults (statuses of this year and last year)")
        computed = 0
        earlier = set(years) - {today.year, today.year - 1}  # seeding did these two
        if earlier:
            for rs in rules.active_rule_sets():
                computed += rules.recompute_rule_set(rs, earlier)
                db.session.commit()
            timer.step(f"rules.recompute_rule_set x {seeded}, years {sorted(earlier)}")
        statuses = db.session.scalar(db.text("SELECT count(*) FROM record_statuses"))
        totals = db.session.scalar(db.text("SELECT count(*) FROM record_totals"))
        units_n = db.session.scalar(db.text("SELECT count(*) FROM units"))
    return {"database": name, "units": units_n, "cadres": len(cadre_ids), **counts,
            "record_totals": totals, "rule_sets": seeded, "statuses": statuses,
            "statuses_computed": computed, "years": years,
            "ranks": {r: sum(1 for v in ranks.values() if v == r)
                      for r in ("division", "section", "subsection", "none")},
            "seconds": timer.steps, "seconds_total": round(sum(timer.steps.values()), 1)}


def sample(args) -> None:
    rng = random.Random(args.seed)
    with psycopg.connect(PG + _guard(args.db)) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT username FROM users WHERE username LIKE 'c%' ORDER BY id")]
    for name in rng.sample(names, min(args.count, len(names))):
        print(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("build", "sample", "drop"))
    parser.add_argument("count", nargs="?", type=int, default=2000)
    parser.add_argument("--db", default="bench_records")
    parser.add_argument("--cadres", type=int, default=50_000)
    parser.add_argument("--entries", type=int, default=2_000_000)
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.command == "build":
        print(json.dumps(build(args), ensure_ascii=False))
    elif args.command == "sample":
        sample(args)
    else:
        _admin(f"DROP DATABASE IF EXISTS {_guard(args.db)} WITH (FORCE)")


if __name__ == "__main__":
    main()
