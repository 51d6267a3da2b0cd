"""Locale selection: `?lang=`, then the user's preference, then Accept-Language."""
from __future__ import annotations

from functools import cache

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user


@cache
def _parsed(name: str) -> Locale:
    """Babel's `Locale` for one of the platform's few locale names, parsed once: parsing
    searches Babel's list of every locale, which every request would otherwise pay for."""
    return Locale.parse(name)


def select_locale() -> Locale:
    """Pick zh_CN (the default) or en for this request."""
    return _parsed(_locale_name())


def _locale_name() -> str:
    if not has_request_context():  # the command line speaks the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    locales = current_app.config["LMS_LOCALES"]
    asked = request.args.get("lang")
    if asked:
        asked = asked.replace("-", "_")
        if asked in locales:
            session["lang"] = asked
            return asked
    if getattr(current_user, "is_authenticated", False) and current_user.locale in locales:
        return current_user.locale
    if session.get("lang") in locales:
        return session["lang"]
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    if best and best.startswith("en"):
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def html_lang(locale: str) -> str:
    """The value of `<html lang>` for a Babel locale name."""
    return "zh-CN" if str(locale).startswith("zh") else "en"


def chinese() -> bool:
    """Whether this request speaks Chinese."""
    return str(get_locale() or "zh_CN").startswith("zh")


def colon() -> str:
    """The colon after a label, as the language writes it: "：" or ": "."""
    return "：" if chinese() else ": "


def semicolon() -> str:
    """The mark between clauses of a list, as the language writes it: "；" or "; "."""
    return "；" if chinese() else "; "
