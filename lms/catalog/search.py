"""Search that works for Chinese: words are cut with jieba and stored with the course."""
from __future__ import annotations

import logging
import threading

import jieba

jieba.setLogLevel(logging.WARNING)
_ready = threading.Lock()


def ready() -> None:
    """jieba's dictionary, built once per process on first use (the one lock for search and
    course addresses)."""
    with _ready:
        jieba.initialize()


def words(text: str) -> list[str]:
    """The search words of a text (jieba's search mode: long words and their parts)."""
    ready()
    return [w.strip().lower() for w in jieba.cut_for_search(text or "") if w.strip()]


def search_text(*parts: str) -> str:
    """The text stored for searching: every word, separated by spaces."""
    return " " + " ".join(dict.fromkeys(w for p in parts for w in words(p))) + " "


def query_words(query: str) -> list[str]:
    """The words of a user's query (punctuation dropped)."""
    return [w for w in words(query) if any(ch.isalnum() for ch in w)]
