"""The national default rule sets (DOMAIN.md, "National rules"), as data.

`records seed-rules` inserts them when no rule set exists; the organisation department then
changes them in the rules editor like any other rule set. Subjects are named here and turned
into `SubjectCategory` ids at seeding time (`national_defaults`).

Conversions chosen (one 学时 per hour of study unless said otherwise):

- online courses: 1 学时 per hour credited;
- exams passed: 0.5 学时 each (one province's rule: "a passed test 0.5");
- approved reading notes: 2 学时 each, at most 10 a year (a note's entry carries no hours);
- training classes, off-job training and rotation training: 1 学时 per hour or 6 学时 per full
  day, whichever is greater; their days count as training days (the "12 days" and
  "3 months" lines);
- secondments: 1 学时 per hour or 6 per day, at most 45 a year (55 in the 5-year rule);
- self-study at work: 1 per hour, at most 20 a year; collective study: 1 per hour, at most 30
  a year; lectures attended: 1 per hour;
- degree education: 1 学时 per hour, spread evenly over the calendar years of the programme,
  at most 45 a year (55 in the 5-year rule), so a degree alone never meets a year's
  requirement.

Professional subjects for professional and technical staff are 专业技术 and 业务知识: the
continuing-education rule's 专业科目 are the knowledge of one's own field, which the catalogue
files under both.
"""
from __future__ import annotations

from datetime import date

EFFECTIVE_FROM = date(2023, 1, 1)  # 干部教育培训工作条例 (2023); 全国干部教育培训规划 2023–2027
ANCHOR_YEAR = 2023
PROFESSIONAL_SUBJECTS = ("专业技术", "业务知识")
PROFESSIONAL_SHARE = 2 / 3


def _row(per_hour: float = 1.0, per_day: float = 0.0, per_entry: float = 0.0,
         cap: float | None = None, days: bool = False, spread: bool = False) -> dict:
    return {"per_hour": per_hour, "per_day": per_day, "per_entry": per_entry,
            "cap_per_year": cap, "count_days": days, "spread": spread}


def _conversions(yearly_cap: float) -> dict:
    """The conversion table of the general rules; `yearly_cap` bounds secondments and
    degrees per year."""
    return {
        "online_course": _row(),
        "exam": _row(per_hour=0.0, per_entry=0.5),
        "reading_note": _row(per_hour=0.0, per_entry=2.0, cap=10.0),
        "training_class": _row(per_day=6.0, days=True),
        "off_job": _row(per_day=6.0, days=True),
        "rotation": _row(per_day=6.0, days=True),
        "secondment": _row(per_day=6.0, cap=yearly_cap),
        "self_study": _row(cap=20.0),
        "collective_study": _row(cap=30.0),
        "lecture": _row(),
        "degree": _row(cap=yearly_cap, spread=True),
    }


def _audience(**kwargs) -> dict:
    audience = {"ranks": [], "categories": [], "unit": None, "age_min": None, "age_max": None,
                "title_levels": []}
    audience.update(kwargs)
    return audience


def national_defaults(subject_ids: dict[str, int]) -> list[dict]:
    """The default rule sets as `RuleSet` fields; `subject_ids` maps subject names to ids."""
    professional = [subject_ids[name] for name in PROFESSIONAL_SUBJECTS if name in subject_ids]
    base = {"min_hours_by_kind": {}, "min_hours_by_subject": {}, "share": None,
            "required_courses": [], "required_reading": [], "carry_over_max": 0.0}
    return [
        {"code": "section-yearly", "name": "乡科级及以下干部年度培训",
         "description": "《干部教育培训工作条例》（2023年）第十四条：乡科级及以下干部每年参加"
                        "培训的时间累计不少于12天或者90学时。",
         "window_years": 1, "config": {
             **base, "audience": _audience(ranks=["section", "subsection", "none"]),
             "min_hours": 90.0, "min_days": 12.0, "either": True,
             "conversions": _conversions(45.0)}},
        {"code": "division-5y", "name": "县处级以上干部五年培训",
         "description": "《干部教育培训工作条例》（2023年）第十四条：县处级以上领导干部每5年"
                        "参加脱产培训的时间累计不少于3个月或者550学时。",
         "window_years": 5, "config": {
             **base, "audience": _audience(ranks=["division"]),
             "min_hours": 550.0, "min_days": 90.0, "either": True,
             "conversions": _conversions(55.0)}},
        {"code": "online-yearly", "name": "干部网络培训年度学时",
         "description": "《全国干部教育培训规划（2023—2027年）》：各类干部每年参加网络自学"
                        "不少于50学时。",
         "window_years": 1, "config": {
             **base, "audience": _audience(), "min_hours": None, "min_days": None,
             "either": False, "min_hours_by_kind": {"online_course": 50.0},
             "conversions": {"online_course": _row()}}},
        {"code": "professional-yearly", "name": "专业技术人员继续教育",
         "description": "《专业技术人员继续教育规定》（2015年）第八条：专业技术人员参加继续"
                        "教育的时间每年累计不少于90学时，其中专业科目一般不少于总学时的三分之二。",
         "window_years": 1, "config": {
             **base, "audience": _audience(categories=["professional"]),
             "min_hours": 90.0, "min_days": None, "either": False,
             "share": ({"subjects": professional, "min": PROFESSIONAL_SHARE}
                       if professional else None),
             "conversions": _conversions(45.0)}},
    ]


def defaults_for(subject_ids: dict[str, int]) -> list[dict]:
    """`national_defaults` with the window anchor and effective date every default shares."""
    return [{**spec, "anchor_year": ANCHOR_YEAR, "effective_from": EFFECTIVE_FROM,
             "effective_to": None, "active": True} for spec in national_defaults(subject_ids)]
