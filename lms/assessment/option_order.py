"""The order in which a choice question's options are shown on one attempt's paper.

Options are shuffled for each attempt unless the quiz turns shuffling off, except where the
order carries meaning:

- an option that speaks of the others as a group (以上都对, 上述说法都不对, all of the above,
  none of these) stays where the author put it when it comes last, or among the last: the
  options above it are shuffled among themselves, so "above" still means all of them;
- a question whose options name others by their letter (A和B, 选项A) or whose group option
  stands before an ordinary option keeps the author's order entirely;
- true/false is always shown as True, then False (it has no options to shuffle).

The order is fixed with the paper when the attempt starts (`order` in its slot), so a reload
or a resumed attempt shows the same order, and scoring maps positions back to the options.
"""
from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence

# An option about the other options as a group.
_GROUP = re.compile(
    r"(?:以上|上述|前述|上面|前面)[^，。；,;]{0,6}?"
    r"(?:都|均|皆|全|各项|选项|答案|说法|[一二三四五六七八九十两\d][项种条点])"
    r"|其[他它余](?:选项|答案|各项)|^\s*(?:全部|[都均皆])(?:对|错|正确|错误|不对|不正确|不是)"
    r"|\babove\b|\b(?:all|none|neither|both) of (?:these|them|the)\b",
    re.IGNORECASE)
# An option naming others by their letter: "A和B", "A、C", "选项A", "A项".
_LETTER = re.compile(r"(?<![A-Za-z])[A-H]\s*[和与及、,+/]\s*[A-H](?![A-Za-z])|选项\s*[A-H]"
                     r"|(?<![A-Za-z])[A-H]\s*项")


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def refers_to_others(text: str) -> bool:
    """Whether an option's text speaks of the other options as a group."""
    return bool(_GROUP.search(_plain(text)))


def names_letters(text: str) -> bool:
    """Whether an option's text names other options by their letter."""
    return bool(_LETTER.search(_plain(text)))


def shuffled_count(texts: Sequence[str]) -> int:
    """How many leading options may be shuffled among themselves (0 or 1: none), the rest
    keeping their place (see the module's rules)."""
    if any(names_letters(t) for t in texts):
        return 0
    group = [refers_to_others(t) for t in texts]
    first = group.index(True) if True in group else len(texts)
    if not all(group[first:]):  # an ordinary option after a group one: keep it all
        return 0
    return first


def option_order(texts: Sequence[str], rng: random.Random, shuffle: bool) -> list[int]:
    """The options' original indices in the order this paper shows them."""
    order = list(range(len(texts)))
    if shuffle:
        head = order[:shuffled_count(texts)]
        rng.shuffle(head)
        order[:len(head)] = head
    return order
