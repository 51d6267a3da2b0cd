"""All-or-nothing imports of units and cadres, with every bad row named by number and field."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms.audit import services as audit
from lms.auth.models import User, new_session_token
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org import attributes, labels
from lms.org.models import CadreProfile, Category, RoleGrant, Unit, cadre_categories
from lms.org.services import OrgError, announce, create_unit
from lms.org.tabular import Column, TableError, cell_text, column_title, read_rows, records

UNIT_COLUMNS = [
    Column("code", "单位代码", "Code", True),
    Column("name", "单位名称", "Name", True),
    Column("kind", "单位类型", "Kind", True),
    Column("parent", "上级单位代码", "Parent code"),
]


def cadre_columns() -> list[Column]:
    """The cadre sheet's columns: account, name, the declared attributes (those kept beside
    the name first), unit, categories. Headers in Chinese and English are both accepted."""
    def column(a: attributes.Attribute) -> Column:
        return Column(a.key, a.header("zh_CN"), a.header("en"), a.required)

    declared = attributes.ATTRIBUTES
    return [
        Column("username", "账号", "Username", True),
        Column("name", "姓名", "Name", True),
        *(column(a) for a in declared if a.beside_name),
        Column("unit", "单位代码", "Unit code", True),
        *(column(a) for a in declared if not a.beside_name),
        Column("categories", "类别", "Categories"),
    ]


USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
_CATEGORY_SPLIT = re.compile(r"[;；,，、/|\s]+")


@dataclass
class RowError:
    """One problem: the sheet row (1 is the header, 0 the whole file), column key, message."""

    row: int
    field: str
    message: str

    def title(self, columns: list[Column]) -> str:
        """The column's header in the current language."""
        return column_title(columns, self.field)


@dataclass
class ImportResult:
    """What an import did, or why it did nothing."""

    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    changed: list[int] = field(default_factory=list)  # cadres created or updated (user ids)

    @property
    def ok(self) -> bool:
        return not self.errors

    def rows(self, columns: list[Column]) -> list[tuple[int, str, str]]:
        """The problems as (row, column header in the current language, message)."""
        return [(e.row, e.title(columns), e.message) for e in self.errors]


def _file_rows(data: bytes, filename: str, result: ImportResult) -> list[list[object]] | None:
    try:
        return read_rows(data, filename)
    except TableError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return None


def _unit_kinds() -> dict[str, str]:
    """Unit kinds by code, label in either language or common name, lower-cased."""
    kinds = labels.reverse(labels.UNIT_KIND_LABELS)
    kinds.update({"区": "district", "街道": "street", "区直单位": "department",
                  "部门": "department", "社区": "community", "科室": "office"})
    return kinds


def _clashed() -> str:
    return _("The file clashes with a change made meanwhile; nothing was imported. Import it "
             "again.")


# ---- units -------------------------------------------------------------------------------

Progress = Callable[[int, int], None]


def import_units(data: bytes, filename: str,
                 may_manage: Callable[[Unit], bool] | None = None, *, commit: bool = True,
                 progress: Progress | None = None) -> ImportResult:
    """Create the units of a sheet (parents may come later in the file); nothing on error.

    `may_manage(parent)` says whether the actor may create units under `parent`;
    None means the command line, which may do anything. `commit=False` leaves the units in
    the session (a job commits them with its done mark); `progress(rows checked, rows)` is
    told as the rows are checked.
    """
    result = ImportResult()
    rows = _file_rows(data, filename, result)
    if rows is None:
        return result
    kinds = _unit_kinds()
    existing = {u.code: u for u in db.session.scalars(select(Unit))}
    pending: dict[str, tuple[int, str, str, str]] = {}
    try:
        for n, (number, rec) in enumerate(records(rows, UNIT_COLUMNS), 1):
            if progress:
                progress(n, len(rows) - 1)
            code, name, parent = cell_text(rec.get("code")), cell_text(rec.get("name")), \
                cell_text(rec.get("parent"))
            kind = kinds.get(cell_text(rec.get("kind")).lower())
            if not code:
                result.errors.append(RowError(number, "code", _("This field is required.")))
            elif len(code) > 32:
                result.errors.append(RowError(number, "code", _("Too long.")))
            elif code in existing or code in pending:
                result.errors.append(RowError(number, "code",
                                              _("The code %(code)s already exists.", code=code)))
            if not name:
                result.errors.append(RowError(number, "name", _("This field is required.")))
            elif len(name) > 128:
                result.errors.append(RowError(number, "name", _("Too long.")))
            if kind is None:
                result.errors.append(RowError(number, "kind", _("Unknown unit kind: %(kind)s",
                                                                 kind=cell_text(rec.get("kind")))))
            if code and code not in existing:
                pending.setdefault(code, (number, name, kind or "", parent))
    except TableError as exc:
        result.errors.append(RowError(1, "", str(exc)))
        return result
    for number, _name, _kind, parent in pending.values():
        if parent and parent not in existing and parent not in pending:
            result.errors.append(RowError(number, "parent",
                                          _("No unit has the code %(code)s.", code=parent)))
        elif parent in existing and may_manage and not may_manage(existing[parent]):
            result.errors.append(RowError(number, "parent",
                                          _("You may not add units under %(code)s.", code=parent)))
        elif not parent and may_manage is not None and not may_manage(None):
            result.errors.append(RowError(number, "parent", _("This field is required.")))
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        return result
    # Create parents before children, whatever the order of the rows.
    done = dict(existing)
    todo = dict(pending)
    try:
        while todo:
            ready = [c for c, (_n, _m, _k, p) in todo.items() if not p or p in done]
            if not ready:
                for number, *_rest in todo.values():
                    result.errors.append(RowError(number, "parent",
                                                  _("The parent chain forms a loop.")))
                db.session.rollback()
                return result
            for c in ready:
                _number, name, kind, parent = todo.pop(c)
                done[c] = create_unit(c, name, kind, done.get(parent), commit=False)
                result.created += 1
        db.session.commit() if commit else db.session.flush()
    except OrgError as exc:
        db.session.rollback()
        result.errors.append(RowError(0, "", str(exc)))
    except IntegrityError:  # another change landed meanwhile: still all or nothing
        db.session.rollback()
        result.created = 0
        result.errors.append(RowError(0, "", _clashed()))
    return result


# ---- cadres ------------------------------------------------------------------------------

@dataclass
class _CadreRow:
    number: int
    values: dict
    category_ids: list[int]


def import_cadres(data: bytes, filename: str,
                  may_import: Callable[[Unit], bool] | None = None,
                  may_update: Callable[[User], bool] | None = None, *, commit: bool = True,
                  progress: Progress | None = None) -> ImportResult:
    """Create or update cadres from a sheet, in one transaction; nothing on any bad row.

    Rows whose username exists update that cadre when the actor may manage its unit and
    reaches the account (`may_update`: never their own, nor one holding a role above theirs);
    any other existing username reads as taken, as it would if it were out of scope.
    New accounts have no password until an administrator issues one. `commit=False`
    leaves the changes in the session and announces nothing (a job commits them with its done
    mark, then announces `result.changed`); `progress(rows checked, rows)` is told per row.
    """
    result = ImportResult()
    rows = _file_rows(data, filename, result)
    if rows is None:
        return result
    declared = attributes.ATTRIBUTES
    coders = {a.key: a.coder() for a in declared if a.kind == attributes.CHOICE}
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    cats: dict[str, int] = {}
    for c in db.session.scalars(select(Category)):
        cats[c.name] = cats[c.code.lower()] = c.id
    try:
        parsed = list(records(rows, cadre_columns()))
    except TableError as exc:
        result.errors.append(RowError(1, "", str(exc)))
        return result
    usernames = [cell_text(r.get("username")) for _n, r in parsed]
    existing = _existing_profiles([u for u in usernames if u])
    accounts = _accounts_without_profile([u for u in usernames if u and u not in existing])
    seen: dict[str, int] = {}
    good: list[_CadreRow] = []
    for n, (number, rec) in enumerate(parsed, 1):
        if progress:
            progress(n, len(parsed))
        errs: list[RowError] = []

        def bad(header: str, message: str, errs=errs, number=number) -> None:
            errs.append(RowError(number, header, message))

        username = cell_text(rec.get("username"))
        if not username:
            bad("username", _("This field is required."))
        elif not USERNAME_RE.match(username):
            bad("username", _("Use 2-64 letters, digits or . _ @ -"))
        elif username in seen:
            bad("username", _("Repeats row %(row)d.", row=seen[username]))
        else:
            seen[username] = number
        name = cell_text(rec.get("name"))
        if not name:
            bad("name", _("This field is required."))
        elif len(name) > 64:
            bad("name", _("Too long."))
        unit = units.get(cell_text(rec.get("unit")))
        if unit is None:
            bad("unit", _("No unit has the code %(code)s.", code=cell_text(rec.get("unit"))))
        elif may_import and not may_import(unit):
            bad("unit", _("You may not manage cadres of %(code)s.", code=unit.code))
        old = existing.get(username)
        if (old is not None and ((may_import and not may_import(old.unit))
                                 or (may_update and not may_update(old.user)))) \
                or username in accounts:  # an account that is no cadre is not for import
            bad("username", _("The username %(u)s is taken.", u=username))
        values: dict = {"username": username, "name": name, "unit_id": unit.id if unit else None}
        for a in declared:
            try:
                values[a.key] = a.parse(rec.get(a.key), coders.get(a.key))
            except ValueError as exc:
                values[a.key] = None
                bad(a.key, str(exc))
        category_ids = []
        for token in filter(None, _CATEGORY_SPLIT.split(cell_text(rec.get("categories")))):
            cid = cats.get(token) or cats.get(token.lower())
            if cid is None:
                bad("categories", _("Unknown category: %(v)s", v=token))
            elif cid not in category_ids:
                category_ids.append(cid)
        if errs:
            result.errors.extend(errs)
        else:
            good.append(_CadreRow(number, values, category_ids))
    if result.errors:
        return result
    _write_cadres(good, existing, result, filename, commit)
    return result


def _existing_profiles(usernames: list[str]) -> dict[str, CadreProfile]:
    found: dict[str, CadreProfile] = {}
    for start in range(0, len(usernames), 500):
        chunk = usernames[start:start + 500]
        stmt = (select(CadreProfile).join(CadreProfile.user).where(User.username.in_(chunk))
                .options(selectinload(CadreProfile.categories)))
        for profile in db.session.scalars(stmt).unique():
            found[profile.user.username] = profile
    return found


def _accounts_without_profile(usernames: list[str]) -> set[str]:
    """Which of these usernames belong to an account that has no cadre profile."""
    found: set[str] = set()
    for start in range(0, len(usernames), 500):
        chunk = usernames[start:start + 500]
        found.update(db.session.scalars(
            select(User.username).outerjoin(CadreProfile, CadreProfile.user_id == User.id)
            .where(User.username.in_(chunk), CadreProfile.user_id.is_(None))))
    return found


def _profile_fields() -> tuple[str, ...]:
    return ("unit_id", *attributes.keys())


def _write_cadres(rows: list[_CadreRow], existing: dict[str, CadreProfile],
                  result: ImportResult, filename: str, commit: bool = True) -> None:
    """Insert new cadres in bulk and update existing ones, in one transaction (committed, or
    flushed and left to the caller)."""
    now = utcnow()
    new = [r for r in rows if r.values["username"] not in existing]
    try:
        if new:
            ids = {}
            for start in range(0, len(new), 1000):
                chunk = new[start:start + 1000]
                returned = db.session.execute(
                    insert(User).returning(User.id, User.username),
                    [{"username": r.values["username"], "name": r.values["name"],
                      "is_active_flag": True, "must_change_password": True,
                      "session_token": new_session_token(), "created_at": now} for r in chunk],
                )
                ids.update({username: uid for uid, username in returned})
            db.session.execute(insert(CadreProfile), [
                {"user_id": ids[r.values["username"]], "updated_at": now,
                 **{k: r.values[k] for k in _profile_fields()}} for r in new])
            db.session.execute(insert(RoleGrant), [
                {"user_id": ids[r.values["username"]], "role": "learner",
                 "unit_id": r.values["unit_id"], "created_at": now} for r in new])
            links = [{"cadre_id": ids[r.values["username"]], "category_id": c}
                     for r in new for c in r.category_ids]
            if links:
                db.session.execute(insert(cadre_categories), links)
            result.created = len(new)
        updated = [r for r in rows if r.values["username"] in existing]
        if updated:
            all_cats = {c.id: c for c in db.session.scalars(select(Category))}
            for r in updated:
                profile = existing[r.values["username"]]
                old_unit = profile.unit_id
                profile.user.name = r.values["name"]
                for key in _profile_fields():
                    setattr(profile, key, r.values[key])
                profile.categories = [all_cats[c] for c in r.category_ids]
                if old_unit != profile.unit_id:
                    for grant in profile.user.grants:
                        if grant.role == "learner":
                            grant.unit_id = profile.unit_id
            result.updated = len(updated)
        audit.log("cadre.import", detail={
            "file": filename[:200], "created": result.created, "updated": result.updated,
            "created_usernames": [r.values["username"] for r in new][:1000]})
        db.session.commit() if commit else db.session.flush()
    except IntegrityError:  # another change landed meanwhile: still all or nothing
        db.session.rollback()
        result.created = result.updated = 0
        result.errors.append(RowError(0, "", _clashed()))
        return
    except Exception:
        db.session.rollback()
        raise
    changed = [ids[r.values["username"]] for r in new] if new else []
    changed += [existing[r.values["username"]].user_id for r in rows
                if r.values["username"] in existing]
    result.changed = changed
    if commit:
        announce(user_ids=changed)
