"""What each training code is called on pages, exports and in the API's descriptions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "section_level": _l("Section-level cadres"),
    "young": _l("Young and middle-aged cadres"),
    "party_activist": _l("Party membership activists"),
    "mass_org": _l("Trade union, Youth League and Women's Federation cadres"),
    "grassroots": _l("Grassroots cadres and community committee rotation"),
    "professional": _l("Professional and technical staff"),
    "org_personnel": _l("Organisation and personnel cadres"),
    "informant": _l("Information officers"),
    "talent": _l("District-managed outstanding talent"),
    "lecture_series": _l("Knowledge lectures"),
    "online": _l("Online training"),
    "other": _l("Other training"),
}
FORM_LABELS = {
    "party_school": _l("Party school main class"),
    "university": _l("University class"),
    "abroad": _l("Training abroad"),
    "short_off_job": _l("Short off-job class"),
    "rotation": _l("Rotation training"),
    "secondment": _l("Secondment"),
    "online": _l("Online special class"),
    "lecture": _l("Lecture"),
}
STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted for review"),
    "returned": _l("Returned"),
    "approved": _l("Approved"),
    "running": _l("Running"),
    "closed": _l("Closed"),
    "filed": _l("Filed"),
}
ORGANISER_LABELS = {
    "unit": _l("A unit of the district"),
    "outside": _l("An outside body (city Party school, university, province)"),
}
HEADING_LABELS = {
    "tuition": _l("Tuition"),
    "accommodation": _l("Accommodation"),
    "materials": _l("Materials"),
    "lecturer_fees": _l("Lecturers' fees"),
    "travel": _l("Travel"),
    "other": _l("Other"),
}
TRAINEE_STATUS_LABELS = {
    "awaiting_release": _l("Awaiting their unit's approval"),
    "assigned": _l("Called up, awaiting confirmation"),
    "confirmed": _l("Confirmed"),
    "explained": _l("Explanation awaiting decision"),
    "excused": _l("Excused"),
    "withdrawn": _l("Withdrawn (leave over the limit)"),
}
OUTCOME_LABELS = {
    "completed": _l("Completed"),
    "absent": _l("Absent"),
    "excused": _l("Excused"),
    "withdrawn": _l("Withdrawn"),
}
LEAVE_LABELS = {
    "pending": _l("Awaiting decision"),
    "approved": _l("Leave granted"),
    "refused": _l("Leave refused"),
}
