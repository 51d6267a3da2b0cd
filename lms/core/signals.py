"""The signal catalogue: reactions that would otherwise import backwards travel by these.

- `course_completed(sender=app, user_id, course_id, title, hours, completed_at)`: a learner
  completed a course; the learning record adds its entry (once) to the session, and the sender
  commits it in the same transaction as the completion, so neither is kept without the other.
- `cadres_changed(sender=app, user_ids=[...] | None, unit_path=str | None)`: cadres were
  created, edited, imported, reactivated or moved with their unit (then `unit_path` names the
  moved subtree); audience assignments reach those who now belong to them.
- `course_rules_changed(sender=app, course_id)`: a course's completion rule may have changed
  (its activities, their `optional` flags, its N of M, a new version, publication); study
  tracking completes the course for enrolled learners who now meet it.
- `exam_passed(sender=app, user_id, activity_id, title, score, number, passed_on)`: an exam's
  released result is a pass; the learning record adds its certificate-style entry (once) to
  the session, and the sender commits it.
- `sign_in_refused(sender=app, username, locked)`: a sign-in failed (wrong name or password);
  `locked` when this failure locked the account or the address out. The administrative audit
  log notes it and commits.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

course_completed = _signals.signal("course-completed")
cadres_changed = _signals.signal("cadres-changed")
course_rules_changed = _signals.signal("course-rules-changed")
exam_passed = _signals.signal("exam-passed")
sign_in_refused = _signals.signal("sign-in-refused")
