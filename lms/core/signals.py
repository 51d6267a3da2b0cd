"""The signal catalogue: reactions that would otherwise import backwards travel by these.

- `course_completed(sender=app, user_id, course_id, title, hours, completed_at)`: a learner
  completed a course; the learning record writes its entry (once).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

course_completed = _signals.signal("course-completed")
