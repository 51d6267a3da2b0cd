"""The training pages' blueprint; the sub-packages' view modules add their routes to it and
`routes.py` imports them all, so the blueprint module imports none of them."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("training", __name__, url_prefix="/training")
