"""Item statistics for a quiz or exam, over plain numbers (no database, no Flask).

From the finished attempts of one quiz: the score distribution, and for each question its
facility (how easy it was), its discrimination (whether the learners who did well overall did
well on it) and how often it was missed. Nothing is rounded here; the caller formats.

Conventions:

- An attempt's percentage is ``score * 100 / max_score``; an attempt whose maximum is 0 (or
  less) counts as 0 %. For the distribution only, a percentage within a billionth of a point
  below a bucket boundary counts as on it, so that float rounding cannot move an exact 60 %
  (5.1 of 8.5) into the 50s.
- A question entry whose maximum is 0 (or less) carries no information and is left out of that
  question's figures; the question is still listed, with 0 attempts if it never carried marks.
- Standard deviations are population standard deviations (the attempts are the whole group
  being described, not a sample of it), so one attempt has a standard deviation of 0.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean, median, pstdev

BUCKETS = 10  # distribution buckets of 10 percentage points each
EDGE = 1e-9  # percentage points below a bucket boundary still counted as on it
MIN_PAIRS = 3  # fewest attempts for which a discrimination is reported


@dataclass(frozen=True)
class AttemptScores:
    """One finished attempt: total obtained/maximum, and each question's obtained/maximum."""

    score: float
    max_score: float
    items: Mapping[str, tuple[float, float]]  # question key -> (obtained, maximum)


@dataclass(frozen=True)
class ItemStats:
    """Figures for one question over the attempts that contained it.

    ``facility`` is the mean of obtained/maximum (0..1 for scores within their maximum; None
    without attempts) and ``sd`` the population standard deviation of that fraction.
    ``discrimination`` is the corrected item-total correlation: Pearson r between the item's
    fraction and the fraction of the rest of the attempt (total minus this item), over the
    attempts whose rest carries marks; None when fewer than 3 such attempts or when either
    side does not vary. ``missed`` counts attempts that obtained less than half the maximum.
    """

    key: str
    attempts: int
    facility: float | None
    discrimination: float | None
    missed: int
    sd: float | None

    @property
    def label(self) -> str:
        """The discrimination's short code, see `discrimination_label`."""
        return discrimination_label(self.discrimination)


@dataclass(frozen=True)
class QuizStats:
    """Figures for one quiz: attempt count, mean/median/population sd of the percentages
    (None without attempts), the count of attempts in each 10-point bucket ([0, 10), [10, 20)
    ... [90, 100], with 100 % and above in the last, below 0 % in the first) and each question
    in the order its key first appears."""

    attempts: int
    mean: float | None
    median: float | None
    sd: float | None
    distribution: list[int]
    items: list[ItemStats]

    def most_missed(self, n: int = 5) -> list[ItemStats]:
        """At most ``n`` questions, lowest facility first (ties: more attempts first, then
        order of appearance); questions everyone got right and questions without attempts
        are never included."""
        if n <= 0:
            return []
        candidates = [i for i in self.items
                      if i.attempts and i.facility is not None and i.facility < 1]
        candidates.sort(key=lambda i: (i.facility, -i.attempts))
        return candidates[:n]


def discrimination_label(r: float | None) -> str:
    """Short code for a discrimination, by the thresholds commonly used in classical test
    theory: "good" (r >= 0.3), "fair" (0.2 <= r < 0.3), "poor" (0 <= r < 0.2), "negative"
    (r < 0; the question may be miskeyed or misleading) and "n/a" (None: not enough data)."""
    if r is None:
        return "n/a"
    if r >= 0.3:
        return "good"
    if r >= 0.2:
        return "fair"
    if r >= 0:
        return "poor"
    return "negative"


def percentage(score: float, max_score: float) -> float:
    """An attempt's percentage; 0 when its maximum is 0 or less."""
    return score * 100 / max_score if max_score > 0 else 0.0


def bucket(pct: float) -> int:
    """The distribution bucket (0..9) of a percentage: 100 % and above go in the last, below
    0 % in the first."""
    return min(max(math.floor((pct + EDGE) / 10), 0), BUCKETS - 1)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson r of two equally long lists; None when shorter than 3 or either is constant."""
    if len(xs) != len(ys):
        raise ValueError("pearson() needs two lists of the same length")
    if len(xs) < MIN_PAIRS or min(xs) == max(xs) or min(ys) == max(ys):
        return None
    mx, my = fmean(xs), fmean(ys)
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    if sxx <= 0 or syy <= 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def _item(key: str, fractions: list[float], xs: list[float], ys: list[float]) -> ItemStats:
    """One question's figures: its fractions, and the (item, rest) fraction pairs for r."""
    if not fractions:
        return ItemStats(key, 0, None, None, 0, None)
    return ItemStats(
        key=key,
        attempts=len(fractions),
        facility=fmean(fractions),
        discrimination=pearson(xs, ys),
        missed=sum(1 for f in fractions if f < 0.5),
        sd=pstdev(fractions),
    )


def summarise(attempts: Iterable[AttemptScores]) -> QuizStats:
    """Distribution and item statistics of a quiz's finished attempts (read once)."""
    pcts: list[float] = []
    fractions: dict[str, list[float]] = {}  # insertion order = order of first appearance
    pairs: dict[str, tuple[list[float], list[float]]] = {}  # item fraction, rest fraction
    for attempt in attempts:
        pcts.append(percentage(attempt.score, attempt.max_score))
        for key, (obtained, maximum) in attempt.items.items():
            seen = fractions.setdefault(key, [])
            xs, ys = pairs.setdefault(key, ([], []))
            if maximum <= 0:
                continue
            fraction = obtained / maximum
            seen.append(fraction)
            rest_max = attempt.max_score - maximum
            if rest_max > 0:
                xs.append(fraction)
                ys.append((attempt.score - obtained) / rest_max)
    distribution = [0] * BUCKETS
    for pct in pcts:
        distribution[bucket(pct)] += 1
    return QuizStats(
        attempts=len(pcts),
        mean=fmean(pcts) if pcts else None,
        median=median(pcts) if pcts else None,
        sd=pstdev(pcts) if pcts else None,
        distribution=distribution,
        items=[_item(key, seen, *pairs[key]) for key, seen in fractions.items()],
    )
