"""A short, seeded fuzzing pass over every importer: course packages, GIFT, Aiken, question,
cadre and unit spreadsheets, CSV. Only the importer's clean validation error may come out, and
no input may take longer than a second per megabyte (past a floor). The long run with the same
strategies is bench/fuzz_importers.py."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests import fuzzing

# A failing case may be large; its repr is worth seeing, not a second failure.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
EXAMPLES = {"gift": 40, "aiken": 40, "question sheet": 25, "cadre sheet": 25,
            "unit sheet": 25, "course package": 20}
SHORT = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture
def units(district, make_user):
    """The district's units and cadres, and the lecturer named by the sample courses."""
    make_user("lecturer", "lecturer", "QU")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_importer_refuses_cleanly_and_in_time(app, units, name):
    strategy, target = fuzzing.targets()[name]
    fuzzing.warm_up()

    @settings(SHORT, max_examples=EXAMPLES[name])
    @given(strategy)
    def run(value):
        with app.test_request_context():
            outcome = target(value)
        assert outcome.seconds <= fuzzing.budget(outcome.size), outcome

    run()


@pytest.mark.parametrize("name", ["gift", "aiken", "question sheet"])
def test_a_megabyte_takes_at_most_a_second(app, name):
    for case, run in fuzzing.large_inputs()[name]:
        with app.test_request_context():
            outcome = run()
        assert outcome.seconds <= fuzzing.SECONDS_PER_MB * max(outcome.size / 2**20, 1), (
            case, outcome)
