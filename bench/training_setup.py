"""Training classes at district scale for bench/training, added to a bench_records district.

    python bench/training_setup.py add [--db bench_training] [--years 5] [--classes 500]
                                       [--trainees 250000] [--seed 2026]

On a database built by `bench/records_setup.py build` (50,000 cadres, 1,001 units), writes
with COPY (psycopg), in a few seconds:

- for each of the last `--years` calendar years up to this one, the district's published
  training plan (the organisation department's, on QU) with one item per category, and
  `--classes` classes spread over the categories, forms and units (streets, departments,
  communities, the district itself); about a quarter organised by an outside body (the city
  Party school, universities, the province); 6 % of them never held (draft, returned);
  classes of this year ending after today are approved or running;
- `--trainees` trainees in all over the classes (distinct cadres per class, 40 to 160 a
  class), with the outcome closing wrote on held classes (completed 90 %, absent, excused,
  withdrawn); none on classes under way;
- each class's spending under three to five headings, planned and actual (fen).

Prints one JSON line: the counts and how long it took. Deletes the training rows of an earlier
run first, so it can run again on the same database.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, datetime, timedelta

import psycopg

sys.path.insert(0, ".")
from bench.records_setup import PG, _copy, _guard, _setval  # noqa: E402

CATEGORIES = ("section_level", "young", "party_activist", "mass_org", "grassroots",
              "professional", "org_personnel", "informant", "talent", "lecture_series",
              "online", "other")
CATEGORY_NAMES = ("科股级干部培训", "中青年干部培训", "入党积极分子培训", "工青妇干部培训",
                  "基层干部培训", "专业技术人员培训", "组织人事干部培训", "信息员培训",
                  "区管拔尖人才培训", "知识讲座", "网络培训", "其他培训")
FORMS = ("party_school", "university", "abroad", "short_off_job", "rotation", "secondment",
         "online", "lecture")
FORM_WEIGHTS = (12, 4, 1, 40, 15, 3, 10, 15)
OUTSIDE = ("市委党校", "省委党校", "清华大学", "中国人民大学", "北京大学", "复旦大学",
           "新加坡南洋理工大学", "香港理工大学")
HEADINGS = ("tuition", "accommodation", "materials", "lecturer_fees", "travel", "other")
OUTCOMES = (("completed", 90), ("absent", 4), ("excused", 3), ("withdrawn", 3))

CLASS_COLUMNS = ("id", "year", "title", "unit_id", "organiser_kind", "organiser_name",
                 "plan_item_id", "category", "form", "audience", "starts_on", "ends_on", "days",
                 "hours", "venue", "lecturers", "capacity", "plan_text", "plan_html", "status",
                 "leave_limit", "evaluation", "created_by", "created_at", "submitted_at",
                 "approved_at", "approved_by", "closed_at", "closed_by", "filed_at", "filed_by")
TRAINEE_COLUMNS = ("id", "class_id", "user_id", "unit_id", "status", "note", "assigned_by",
                   "assigned_at", "confirmed_at", "outcome")
SPENDING_COLUMNS = ("id", "class_id", "heading", "planned_fen", "actual_fen", "reason",
                    "updated_by", "updated_at")


def _delete(conn) -> None:
    for table in ("training_class_spending", "training_class_trainees", "training_classes",
                  "training_plan_items", "training_plans"):
        conn.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names


def _status(rng: random.Random, ends: date, today: date) -> str:
    if rng.random() < 0.06:
        return rng.choice(("draft", "returned", "submitted"))
    if ends >= today:
        return rng.choice(("approved", "running"))
    return "filed" if rng.random() < 0.75 else "closed"


def add(args) -> dict:
    started = time.monotonic()
    rng = random.Random(args.seed)
    today = date.today()
    years = list(range(today.year - args.years + 1, today.year + 1))
    with psycopg.connect(PG + _guard(args.db)) as conn:
        _delete(conn)
        district, admin = conn.execute(
            "SELECT u.id, g.user_id FROM units u JOIN role_grants g ON g.unit_id = u.id "
            "WHERE u.parent_id IS NULL AND g.role = 'org_admin' LIMIT 1").fetchone()
        units = [r[0] for r in conn.execute("SELECT id FROM units WHERE parent_id IS NOT NULL")]
        cadres = conn.execute("SELECT user_id, unit_id FROM cadre_profiles").fetchall()
        plans, items, classes, trainees, spending = [], [], [], [], []
        item_ids: dict[tuple[int, str], int] = {}
        per_class = args.trainees / (args.classes * len(years))
        for year in years:
            plan_id = len(plans) + 1
            at = datetime(year - 1, 12, 20, 9, 0)
            plans.append((plan_id, district, year, f"{year}年度干部教育培训计划", "published",
                          at, admin, at))
            for position, (code, name) in enumerate(zip(CATEGORIES, CATEGORY_NAMES,
                                                        strict=True)):
                item_id = len(items) + 1
                planned = max(1, round(args.classes / len(CATEGORIES) * rng.uniform(0.8, 1.2)))
                items.append((item_id, plan_id, position, code, name, planned,
                              round(planned * per_class * rng.uniform(0.9, 1.1)),
                              planned * rng.randint(20_000, 80_000) * 100, ""))
                item_ids[(year, code)] = item_id
            for _n in range(args.classes):
                class_id = len(classes) + 1
                category = rng.choice(CATEGORIES)
                form = rng.choices(FORMS, FORM_WEIGHTS)[0]
                outside = rng.random() < 0.25
                unit = district if rng.random() < 0.15 else rng.choice(units)
                starts = date(year, 1, 1) + timedelta(days=rng.randint(0, 350))
                days = rng.choice((1, 2, 3, 5, 5, 7, 10, 14))
                ends = min(starts + timedelta(days=days - 1), date(year, 12, 31))
                status = _status(rng, ends, today)
                created = datetime.combine(starts, datetime.min.time()) - timedelta(days=30)
                held = status in ("closed", "filed")
                closed = datetime.combine(ends, datetime.min.time()) + timedelta(hours=18) \
                    if held else None
                classes.append((
                    class_id, year, f"{year}年{CATEGORY_NAMES[CATEGORIES.index(category)]}"
                    f"第{class_id}期", unit, "outside" if outside else "unit",
                    rng.choice(OUTSIDE) if outside else "", item_ids[(year, category)],
                    category, form, "", starts, ends, float(days), float(days * 6), "区委党校",
                    "[]", 0, "", "", status, 1 / 7, "{}", admin, created,
                    created if status != "draft" else None,
                    created + timedelta(days=3) if held or status in ("approved", "running")
                    else None, admin if held else None, closed, admin if held else None,
                    closed + timedelta(days=5) if status == "filed" else None,
                    admin if status == "filed" else None))
                size = max(1, round(per_class * rng.uniform(0.4, 1.6)))
                for user_id, unit_id in rng.sample(cadres, size):
                    outcome = rng.choices([o for o, _w in OUTCOMES],
                                          [w for _o, w in OUTCOMES])[0] if held else None
                    trainees.append((len(trainees) + 1, class_id, user_id, unit_id,
                                     "confirmed", "", admin, created, created, outcome))
                for heading in rng.sample(HEADINGS, rng.randint(3, 5)):
                    planned_fen = rng.randint(500, 20_000) * 100
                    actual = round(planned_fen * rng.uniform(0.7, 1.1)) if held else 0
                    spending.append((len(spending) + 1, class_id, heading, planned_fen, actual,
                                     "", admin, closed or created))
        _copy(conn, "training_plans", ("id", "unit_id", "year", "title", "status",
                                       "published_at", "created_by", "created_at"), plans)
        _copy(conn, "training_plan_items", ("id", "plan_id", "position", "category", "title",
                                            "planned_classes", "planned_trainees",
                                            "budget_fen", "note"), items)
        _copy(conn, "training_classes", CLASS_COLUMNS, classes)
        _copy(conn, "training_class_trainees", TRAINEE_COLUMNS, trainees)
        _copy(conn, "training_class_spending", SPENDING_COLUMNS, spending)
        for table in ("training_plans", "training_plan_items", "training_classes",
                      "training_class_trainees", "training_class_spending"):
            _setval(conn, table)
        conn.commit()
    with psycopg.connect(PG + args.db, autocommit=True) as conn:
        for table in ("training_plans", "training_plan_items", "training_classes",
                      "training_class_trainees", "training_class_spending"):
            conn.execute(f"ANALYZE {table}")
    return {"database": args.db, "years": years, "classes": len(classes),
            "trainees": len(trainees),
            "completed": sum(1 for t in trainees if t[-1] == "completed"),
            "held": sum(1 for c in classes if c[19] in ("closed", "filed")),
            "spending_rows": len(spending), "plans": len(plans), "plan_items": len(items),
            "seconds": round(time.monotonic() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("add",))
    parser.add_argument("--db", default="bench_training")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--classes", type=int, default=500)
    parser.add_argument("--trainees", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(json.dumps(add(args), ensure_ascii=False))


if __name__ == "__main__":
    main()
