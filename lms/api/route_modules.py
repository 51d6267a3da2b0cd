"""The API's route modules beside `views`, listed once: importing this adds their routes to
the blueprint, and the OpenAPI document takes each one's `PATHS` from `DOCUMENTED`."""
from __future__ import annotations

from lms.api import (
    activity_answers,
    compliance,
    record_entries,
    record_read,
    training_classes,
    training_reports,
    training_sessions,
)

DOCUMENTED = (activity_answers, compliance, record_entries, record_read, training_classes,
              training_reports, training_sessions)
