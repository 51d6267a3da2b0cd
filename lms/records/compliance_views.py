"""The compliance report: one row per cadre of a unit subtree for a year, with an .xlsx export."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("compliance", __name__)
