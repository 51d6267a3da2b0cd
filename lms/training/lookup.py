"""Finding a class for a view: the class, if the signed-in user may do `action` over its unit;
otherwise 404 (a refusal never reveals that another unit's class exists)."""
from __future__ import annotations

from lms.extensions import db
from lms.org import permissions
from lms.training.models import TrainingClass


def class_for(class_id: int, action: str) -> TrainingClass:
    """The class `class_id` when the user may do `action` on its unit; else abort 404."""
    training_class = db.session.get(TrainingClass, class_id)
    permissions.require(training_class is not None
                        and permissions.can(action, training_class.unit))
    return training_class
