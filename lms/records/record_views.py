"""A cadre's record page by year, its printable form and PDF, and its xAPI statements."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("record", __name__)
