import pytest

from .factories import assert_ledger_invariant


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
