"""The required reading list and reading notes: publishing, writing, calling in, reviewing."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reading", __name__)
