"""Certificates of completion of a course: their number, the PDF and checking a number.

A certificate's number is derived from the enrolment, so nothing is stored: its first seven
characters are the enrolment id under a keyed permutation (consecutive enrolments give
unrelated numbers), its last five a keyed check of that id. Both keys are derived from the
application's secret key, so a number cannot be made up or guessed from another one; changing
the secret key makes earlier numbers unverifiable.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from lms.auth.models import User
from lms.catalog.models import Course
from lms.extensions import db
from lms.progress.models import Enrolment
from lms.records.models import RecordEntry
from lms.records.signals import completion_key

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O or U
ID_CHARS, CHECK_CHARS = 7, 5
ROUNDS = 4
HALF = 16  # the permuted id has 32 bits, in two halves of 16
MASK = (1 << HALF) - 1


def _key(purpose: str) -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"lms.certificate.{purpose}".encode(), hashlib.sha256).digest()


def _round(key: bytes, step: int, half: int) -> int:
    digest = hmac.new(key, f"{step}:{half}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:2], "big")


def _permute(value: int, *, inverse: bool = False) -> int:
    """A keyed permutation of 32-bit numbers (a small Feistel network)."""
    key = _key("permute")
    left, right = value >> HALF, value & MASK
    steps = range(ROUNDS - 1, -1, -1) if inverse else range(ROUNDS)
    for step in steps:
        if inverse:
            left, right = right ^ _round(key, step, left), left
        else:
            left, right = right, left ^ _round(key, step, right)
    return (left << HALF) | right


def _encode(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def _check(enrolment_id: int) -> str:
    digest = hmac.new(_key("check"), str(enrolment_id).encode(), hashlib.sha256).digest()
    return _encode(int.from_bytes(digest[:4], "big") >> 7, CHECK_CHARS)


def number(enrolment_id: int) -> str:
    """The certificate number of an enrolment, e.g. ``3KZ7-Q2MX-8HVA``."""
    raw = _encode(_permute(enrolment_id), ID_CHARS) + _check(enrolment_id)
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def enrolment_id(text: str) -> int | None:
    """The enrolment a number names (None: not a number this installation issued)."""
    raw = "".join(text.split()).replace("-", "").upper()
    raw = raw.translate(str.maketrans("OIL", "011"))  # read as people misread them
    if len(raw) != ID_CHARS + CHECK_CHARS or any(c not in ALPHABET for c in raw):
        return None
    value = 0
    for c in raw[:ID_CHARS]:
        value = value * 32 + ALPHABET.index(c)
    if value >> (2 * HALF):
        return None
    ident = _permute(value, inverse=True)
    return ident if hmac.compare_digest(_check(ident), raw[ID_CHARS:]) else None


@dataclass(frozen=True)
class Certificate:
    number: str
    name: str
    course_title: str
    course_slug: str
    hours: float
    completed_at: datetime


def _certificate(enrolment: Enrolment, name: str, course: Course) -> Certificate:
    return Certificate(number(enrolment.id), name, course.title, course.slug,
                       enrolment.hours or 0.0, enrolment.completed_at)


def of(user: User, course: Course) -> Certificate | None:
    """The learner's certificate for a course (None: not completed)."""
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.user_id == user.id, Enrolment.course_id == course.id,
        Enrolment.completed_at.is_not(None)))
    return _certificate(enrolment, user.name, course) if enrolment else None


def lookup(text: str) -> Certificate | None:
    """The certificate a number names, if it was issued here (a completed enrolment)."""
    ident = enrolment_id(text)
    if ident is None:
        return None
    row = db.session.execute(
        select(Enrolment, User.name, Course).join(User, User.id == Enrolment.user_id)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.id == ident, Enrolment.completed_at.is_not(None))).first()
    return _certificate(*row) if row else None


def record_entry(user_id: int, course_id: int) -> RecordEntry | None:
    """The learning record's entry that completing the course wrote (None: none, e.g. a
    course completed before the record kept them)."""
    return db.session.scalar(select(RecordEntry).where(
        RecordEntry.dedupe_key == completion_key(course_id, user_id)))
