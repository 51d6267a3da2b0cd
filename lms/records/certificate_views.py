"""A learner's certificate of completion of a course (PDF), and checking a certificate's number.

The PDF is the learner's own; anyone signed in may check a number and see whose certificate
it is, for which course and when it was completed.
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from lms.catalog.models import Course
from lms.catalog.queries import course_by_slug
from lms.records import certificates, pdf
from lms.records.record_views import site_root

bp = Blueprint("certificates", __name__)

MAX_NUMBER = 40  # characters read from the form: a number is 14


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


@bp.app_context_processor
def _record_link():
    """The course page links the record entry its completion wrote, without the catalogue
    importing the record."""

    def course_record_url(course: Course) -> str | None:
        if not getattr(current_user, "is_authenticated", False):
            return None
        entry = certificates.record_entry(current_user.id, course.id)
        if entry is None:
            return None
        return url_for("record.cadre", username=current_user.username,
                       year=entry.occurred_on.year, _anchor=f"entry-{entry.id}")

    return {"course_record_url": course_record_url}


@bp.route("/courses/<slug>/certificate.pdf", endpoint="pdf")
def certificate_pdf(slug: str):
    """The signed-in learner's certificate for a course they completed (also once the course
    is archived: the certificate is about their completion)."""
    course = course_by_slug(slug)
    certificate = certificates.of(current_user, course) if course is not None else None
    if certificate is None:
        abort(404)
    # The address printed on paper is the site's own (`LMS_SITE_URL`), not this request's.
    check_url = site_root().rstrip("/") + url_for("certificates.verify")
    html = render_template("records/certificate/print.html", c=certificate, check_url=check_url)
    response = send_file(io.BytesIO(pdf.render_pdf(html)), mimetype="application/pdf",
                         as_attachment=True,
                         download_name=f"certificate-{course.slug}-{certificate.number}.pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/certificates/verify", endpoint="verify")
def verify():
    """Enter a certificate's number; see whose it is, for which course and date."""
    entered = request.args.get("number", "")[:MAX_NUMBER].strip()
    found = certificates.lookup(entered) if entered else None
    return render_template("records/certificate/verify.html", entered=entered, found=found)
