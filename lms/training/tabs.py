"""The tabs of a class's pages. Each part of training adds its page under one endpoint; a tab
shows when its endpoint is registered and applies to the class."""
from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from lms.training.blueprint import bp

# (endpoint, label, forms it applies to; None: every form)
TABS = (
    ("training.class_detail", _l("Class plan"), None),
    ("training.class_trainees", _l("Trainees"), None),
    ("training.class_sessions", _l("Sessions and attendance"), None),
    ("training.class_courses", _l("Courses"), ("online",)),
    ("training.class_money", _l("Money"), None),
    ("training.class_evaluation", _l("Evaluation"), None),
)


@bp.app_template_global()
def class_tabs(training_class) -> list[dict]:
    """The tabs for `training_class`: url, label and the endpoint (to mark the current one)."""
    found = current_app.view_functions
    return [{"endpoint": endpoint, "label": label,
             "url": url_for(endpoint, class_id=training_class.id)}
            for endpoint, label, forms in TABS
            if endpoint in found and (forms is None or training_class.form in forms)]
