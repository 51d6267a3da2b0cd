"""The signal catalogue: reactions that would otherwise import backwards travel by these.

- `course_completed(sender=app, user_id, course_id, title, hours, completed_at)`: a learner
  completed a course; the learning record writes its entry (once).
- `cadres_changed(sender=app, user_ids=[...] | None, unit_path=str | None)`: cadres were
  created, edited, imported, reactivated or moved with their unit (then `unit_path` names the
  moved subtree); audience assignments reach those who now belong to them.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

course_completed = _signals.signal("course-completed")
cadres_changed = _signals.signal("cadres-changed")
