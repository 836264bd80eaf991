import pytest
from django.core.cache import cache

from .factories import assert_ledger_invariant


@pytest.fixture(autouse=True)
def _fresh_refusal_counters():
    """Institutions' refused-spend counters live in the cache: each test starts with none."""
    cache.clear()
    yield


@pytest.fixture
def historic_dates(settings):
    """For tests about fixed past months (2025-12, 2026-01 …): a claim window wide enough to book them."""
    settings.POOLING_CLAIM_WINDOW_DAYS = 36500


@pytest.fixture(autouse=True)
def _ledger_invariant_after_each_test(request):
    """Every test that uses the database ends with the ledger invariant holding."""
    marker = request.node.get_closest_marker("django_db")
    uses_db = marker is not None or {"db", "transactional_db"} & set(request.fixturenames)
    if uses_db:
        transactional = "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))
        request.getfixturevalue("transactional_db" if transactional else "db")
    yield
    if uses_db:
        assert_ledger_invariant()
