"""Requirement rule sets: the organisation department's editor and the rules page for cadres."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rules", __name__)
