"""Template globals shared by every page."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, request, url_for
from flask_babel import get_locale
from markupsafe import Markup

from lms.core.i18n import chinese, colon, html_lang, semicolon
from lms.core.numbers import amount_text, yuan_text
from lms.core.timeutil import local_day, local_minute


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (for filters and pages)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items()})
    args = {k: v for k, v in args.items() if v not in (None, "")}
    if request.endpoint is None:  # an error page for an unknown URL
        return request.path + ("?" + urlencode(args) if args else "")
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def parens(text: str) -> Markup:
    """`text` in brackets, as the page's language writes them: （…） or (…)."""
    return Markup("（%s）") % text if chinese() else Markup("(%s)") % text  # % escapes text


def init_app(app: Flask) -> None:
    """Expose helpers to Jinja."""
    app.add_template_filter(local_day, "day")  # {{ enrolment.due_at|day }}: YYYY-MM-DD
    # {{ attempt.submitted_at|datetimeformat }}: YYYY-MM-DD HH:MM, in place of Flask-Babel's
    # locale-dependent formats, so that every page writes a time the same way.
    app.add_template_filter(local_minute, "datetimeformat")
    app.add_template_filter(amount_text, "hours")  # {{ course.hours|hours }}: 学时 and days
    app.add_template_filter(yuan_text, "yuan")  # {{ row.actual_fen|yuan }}: fen, in yuan
    app.add_template_filter(parens, "parens")  # {{ _("inactive")|parens }}
    app.add_template_global(colon, "colon")  # {{ _("Status") }}{{ colon() }}{{ status }}
    app.add_template_global(semicolon, "semicolon")  # between the items of a written list

    @app.context_processor
    def _globals():
        return {"html_lang": html_lang(get_locale() or "zh_CN"), "url_with": url_with}
