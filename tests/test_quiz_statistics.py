"""Quiz item statistics on small hand-computed examples: the distribution's bucket boundaries,
facility, discrimination (sign, corrected for the item itself, None when undefined), random
draws, the most-missed list and empty input."""
from __future__ import annotations

import math
import statistics

import pytest

from lms.assessment.statistics import (
    AttemptScores,
    ItemStats,
    QuizStats,
    discrimination_label,
    pearson,
    summarise,
)


def attempt(**items: tuple[float, float]) -> AttemptScores:
    """An attempt whose total is the sum of its questions."""
    return AttemptScores(score=sum(o for o, _ in items.values()),
                         max_score=sum(m for _, m in items.values()), items=items)


def total(score: float, max_score: float) -> AttemptScores:
    return AttemptScores(score=score, max_score=max_score, items={})


def by_key(stats: QuizStats) -> dict[str, ItemStats]:
    return {i.key: i for i in stats.items}


def test_distribution_bucket_boundaries():
    stats = summarise(total(s, 100) for s in (0, 9.99, 10, 99.9, 100))
    assert stats.distribution == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert stats.attempts == 5
    assert stats.mean == pytest.approx((0 + 9.99 + 10 + 99.9 + 100) / 5)  # 43.978
    assert stats.median == 10


def test_distribution_exact_on_other_maxima_and_zero_maximum():
    # 3/30 and 7/70 are exactly 10 %, 6/20 exactly 30 %; 29/100 is below 30 %.
    stats = summarise([total(3, 30), total(7, 70), total(6, 20), total(29, 100),
                       total(0, 0), total(5, 0), total(5, -10)])
    assert stats.distribution == [3, 2, 1, 1, 0, 0, 0, 0, 0, 0]
    assert stats.mean == pytest.approx((10 + 10 + 30 + 29 + 0 + 0 + 0) / 7)


def test_distribution_despite_float_rounding_and_out_of_range_scores():
    # Exactly 60, 20 and 80 %, but just below in floating point.
    assert (5.1 * 100 / 8.5 < 60, 2.3 * 100 / 11.5 < 20, 9.2 * 100 / 11.5 < 80) == (True,) * 3
    stats = summarise([total(5.1, 8.5), total(2.3, 11.5), total(9.2, 11.5),
                       total(-5, 100), total(120, 100)])
    assert stats.distribution == [1, 0, 1, 0, 0, 0, 1, 0, 1, 1]
    assert stats.mean == pytest.approx((60 + 20 + 80 - 5 + 120) / 5)


def test_sd_is_population():
    stats = summarise([total(0, 10), total(10, 10)])
    assert (stats.mean, stats.median) == (50, 50)
    assert stats.sd == pytest.approx(50)  # the sample sd would be 70.7
    assert summarise([total(4, 10)]).sd == 0


def test_facility_missed_and_sd_of_an_item():
    stats = summarise([attempt(q=(1, 1)), attempt(q=(0, 1)), attempt(q=(0.5, 1)),
                       attempt(q=(2, 4))])
    (q,) = stats.items
    assert q.key == "q"
    assert q.attempts == 4
    assert q.facility == pytest.approx(0.5)  # (1 + 0 + 0.5 + 0.5) / 4
    assert q.missed == 1  # exactly half is not missed
    assert q.sd == pytest.approx(math.sqrt(0.125))  # deviations .5, .5, 0, 0


# A filler question x (out of 10) orders the attempts from high to low; a is got right by the
# two best, b by the two worst, c by everybody.
RANKED = [
    attempt(x=(9, 10), a=(1, 1), b=(0, 1), c=(1, 1)),  # 11 / 13
    attempt(x=(7, 10), a=(1, 1), b=(0, 1), c=(1, 1)),  # 9 / 13
    attempt(x=(4, 10), a=(0, 1), b=(1, 1), c=(1, 1)),  # 6 / 13
    attempt(x=(2, 10), a=(0, 1), b=(1, 1), c=(1, 1)),  # 4 / 13
]


def test_discrimination_sign():
    items = by_key(summarise(RANKED))
    # a against the rest (10, 8, 6, 4)/12: sxy 4, sxx 1, syy 20.
    assert items["a"].discrimination == pytest.approx(2 / math.sqrt(5))
    assert items["a"].discrimination == pytest.approx(
        statistics.correlation([1, 1, 0, 0], [10, 8, 6, 4]))
    # b against the rest (11, 9, 5, 3)/12: sxy -6, sxx 1, syy 40.
    assert items["b"].discrimination == pytest.approx(-3 / math.sqrt(10))
    assert items["c"].discrimination is None  # everybody right: the item does not vary
    assert items["c"].facility == 1
    assert items["x"].discrimination is None  # its rest (a + b + c) is 2/3 in every attempt
    assert [items[k].label for k in "abcx"] == ["good", "negative", "n/a", "n/a"]


def test_discrimination_leaves_the_item_out_of_the_total():
    items = by_key(summarise(RANKED))
    uncorrected = statistics.correlation([1, 1, 0, 0], [11, 9, 6, 4])
    assert items["a"].discrimination != pytest.approx(uncorrected)


def test_discrimination_needs_three_attempts():
    stats = summarise(RANKED[:2] + [RANKED[3]])
    assert by_key(stats)["a"].discrimination is not None
    stats = summarise([RANKED[0], RANKED[3]])
    assert [i.discrimination for i in stats.items] == [None] * 4


def test_random_draws():
    stats = summarise([
        attempt(q1=(1, 1), q2=(0, 1)),  # 50 %
        attempt(q2=(1, 1), q3=(1, 1)),  # 100 %
        attempt(q1=(0, 1), q3=(0, 1)),  # 0 %
        attempt(q3=(2, 2), q4=(1, 3)),  # 60 %
    ])
    assert [i.key for i in stats.items] == ["q1", "q2", "q3", "q4"]
    assert stats.distribution == [1, 0, 0, 0, 0, 1, 1, 0, 0, 1]
    q1, q2, q3, q4 = stats.items
    assert (q1.attempts, q1.facility, q1.missed, q1.discrimination) == (2, 0.5, 1, None)
    assert (q2.attempts, q2.facility, q2.missed) == (2, 0.5, 1)
    assert (q4.attempts, q4.missed) == (1, 1)
    assert q4.facility == pytest.approx(1 / 3)
    # q3 is 1, 0, 1 against rests 1/1, 0/1, 1/3: sxy 4/9, sxx 2/3, syy 42/81.
    assert (q3.attempts, q3.missed) == (3, 1)
    assert q3.facility == pytest.approx(2 / 3)
    assert q3.discrimination == pytest.approx(2 / math.sqrt(7))
    assert q3.discrimination == pytest.approx(statistics.correlation([1, 0, 1], [1, 0, 1 / 3]))


def test_unscored_entries_and_attempts_without_a_rest_are_left_out():
    stats = summarise([
        attempt(d=(0, 0), q=(1, 1), r=(2, 2)),
        attempt(d=(0, 0), q=(0, 1), r=(0, 2)),
        attempt(d=(0, 0), q=(1, 1), r=(1, 2)),
        attempt(q=(0, 1)),  # nothing else to correlate with
    ])
    d, q, _ = stats.items
    assert d == ItemStats("d", 0, None, None, 0, None)
    assert (q.attempts, q.facility, q.missed) == (4, 0.5, 2)
    # q is 1, 0, 1 against rests 1, 0, 1/2: sxy 1/2, sxx 2/3, syy 1/2.
    assert q.discrimination == pytest.approx(math.sqrt(3) / 2)
    assert q.discrimination == pytest.approx(statistics.correlation([1, 0, 1], [1, 0, 0.5]))
    with_empty_rest = statistics.correlation([1, 0, 1, 0], [1, 0, 0.5, 0])
    assert q.discrimination != pytest.approx(with_empty_rest)


def test_most_missed_order_and_exclusions():
    stats = summarise([
        attempt(easy=(1, 1), hard=(1, 1), tie=(1, 1), mid=(1, 1), intro=(0, 0)),
        attempt(easy=(1, 1), hard=(0, 1), tie=(0, 1), mid=(0, 1)),
        attempt(easy=(1, 1), hard=(0, 1), mid=(1, 1), almost=(0.9, 1)),
        attempt(easy=(1, 1), hard=(0, 1), mid=(0, 1)),
    ])
    assert [i.key for i in stats.items] == ["easy", "hard", "tie", "mid", "intro", "almost"]
    # hard 1/4; mid and tie 1/2, mid first for its 4 attempts against 2; almost 0.9.
    # easy (everybody right) and intro (no marks, no attempts) never appear.
    assert [i.key for i in stats.most_missed()] == ["hard", "mid", "tie", "almost"]
    assert [i.key for i in stats.most_missed(2)] == ["hard", "mid"]
    assert stats.most_missed(0) == []


def test_most_missed_keeps_order_of_appearance_on_full_ties():
    stats = summarise([attempt(b=(0, 1), a=(0, 1)), attempt(b=(1, 1), a=(1, 1))])
    assert [i.key for i in stats.most_missed()] == ["b", "a"]


def test_empty_input():
    stats = summarise([])
    assert stats == QuizStats(0, None, None, None, [0] * 10, [])
    assert stats.most_missed() == []


def test_reads_a_generator_once():
    stats = summarise(a for a in RANKED)
    assert stats.attempts == 4
    assert stats.mean == pytest.approx(statistics.fmean([1100 / 13, 900 / 13, 600 / 13,
                                                         400 / 13]))


@pytest.mark.parametrize(("r", "label"), [
    (1.0, "good"), (0.3, "good"), (0.2999, "fair"), (0.2, "fair"), (0.1999, "poor"),
    (0.0, "poor"), (-0.0001, "negative"), (-1.0, "negative"), (None, "n/a"),
])
def test_discrimination_label(r, label):
    assert discrimination_label(r) == label


def test_pearson_matches_the_standard_library():
    xs, ys = [0.2, 0.9, 0.4, 1.0, 0.0], [0.5, 0.7, 0.1, 0.9, 0.3]
    assert pearson(xs, ys) == pytest.approx(statistics.correlation(xs, ys))
    assert pearson([1, 2], [2, 1]) is None
    assert pearson([1, 1, 1], [1, 2, 3]) is None
    with pytest.raises(ValueError):
        pearson([1, 2, 3], [1, 2])
