"""A course's web address name (its slug) made from its title: words in pinyin, joined by '-'.

"公文写作基础" becomes ``gongwen-xiezuo-jichu``: the title is cut into words (jieba), each
word written in toneless pinyin (ü as ``v``), anything else kept only as ASCII letters and
digits. The result fits the package rule (3-64 lowercase letters, digits and hyphens) and is
made unique with a numeric suffix.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import jieba
from pypinyin import Style, lazy_pinyin

from lms.catalog.search import ready

MAX_LENGTH = 64
FALLBACK = "kecheng"  # 课程, for a title with nothing to spell
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def _ascii_word(text: str) -> str:
    """Lowercase ASCII letters and digits of `text`, other runs as '-'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", plain.lower()).strip("-")


def _trim(slug: str, length: int) -> str:
    """`slug` cut to at most `length` characters, at a hyphen when there is one."""
    if len(slug) <= length:
        return slug
    cut = slug[:length + 1].rfind("-")
    return (slug[:cut] if cut >= 3 else slug[:length]).strip("-")


def slug_from_title(title: str) -> str:
    """The pinyin address name of `title` (not checked for uniqueness)."""
    ready()
    parts = []
    for word in jieba.cut(title or ""):
        spelt = _ascii_word("".join(lazy_pinyin(word, style=Style.NORMAL)))
        if spelt:
            parts.append(spelt)
    slug = _trim("-".join(parts), MAX_LENGTH)
    if len(slug) < 3:
        slug = f"{FALLBACK}-{slug}" if slug else FALLBACK
    return slug


def unique_slug(base: str, taken: Callable[[str], bool]) -> str:
    """`base`, or `base-2`, `base-3`... the first that `taken` says is free."""
    if not taken(base):
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = _trim(base, MAX_LENGTH - len(suffix)) + suffix
        if not taken(candidate):
            return candidate
        n += 1
