"""The activity types shipped with the platform, registered from this explicit list."""
from lms.activities.builtin.exam import Exam
from lms.activities.builtin.lecture import Lecture
from lms.activities.builtin.offline import OfflineSession
from lms.activities.builtin.quiz import Quiz
from lms.activities.builtin.reading import ReadingList
from lms.activities.builtin.survey import Survey

BUILTIN_TYPES = (Lecture, ReadingList, Quiz, Exam, OfflineSession, Survey)
