"""Entries made by administrators, their corrections, and self-reported claims with evidence."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("record_entries", __name__)
