"""A search by an ID number's last four characters is a person lookup like any other: the lookup limit
counts it (with an X as the check character too, and through the API's ``id_last4`` filter); the access
log masks a full number in a list's query string and keeps four characters, which the masked form shows."""

import pytest
from django.core.cache import cache

from portal.gunicorn_logging import mask_atoms
from portal.lookup_limit import is_person_lookup
from tests.factories import id_number_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def low_rate(settings):
    settings.PORTAL_PERSON_LOOKUP_RATE = "2/minute"
    cache.clear()
    yield
    cache.clear()


def test_a_tail_with_an_x_counts_as_a_lookup(rf):
    assert is_person_lookup(rf.get("/assistance/enrolments/", {"q": "123X"}))
    assert is_person_lookup(rf.get("/assistance/enrolments/", {"q": "123x"}))
    assert is_person_lookup(rf.get("/api/v1/casework/applications/", {"id_last4": "0012"}))
    assert not is_person_lookup(rf.get("/assistance/enrolments/", {"q": "张三"}))


def test_the_page_refuses_the_third_tail_search_in_a_minute(client, caseworker):
    client.force_login(caseworker)
    assert client.get("/assistance/enrolments/", {"q": "123X"}).status_code == 200
    assert client.get("/assistance/households/", {"q": "4321"}).status_code == 200
    assert client.get("/assistance/enrolments/", {"q": "555x"}).status_code == 429


def test_the_api_id_last4_filter_counts(api, caseworker):
    me = api(caseworker)
    for _ in range(2):
        assert me.get("/api/v1/assistance/households/", {"id_last4": "123X"}).status_code == 200
    assert me.get("/api/v1/assistance/households/", {"id_last4": "123X"}).status_code == 429


def test_the_access_log_masks_a_full_number_and_keeps_a_tail():
    number = id_number_for("610112", seq=7)
    atoms = mask_atoms({"r": f"GET /assistance/batches/1/payments/?q={number} HTTP/1.1", "q": f"q={number}"})
    assert number not in atoms["r"] and number not in atoms["q"] and number[-4:] in atoms["q"]
    tail = mask_atoms({"r": "GET /assistance/batches/1/payments/?q=123X HTTP/1.1"})
    assert "q=123X" in tail["r"]


def test_the_appeal_filter_takes_the_last_four_and_refuses_anything_else():
    from appeals.filters import AppealFilter
    from appeals.models import Appeal

    good = AppealFilter({"id_last4": "123x"}, queryset=Appeal.objects.all())
    assert good.is_valid()
    sql = str(good.qs.query)
    assert '"id_last4" = 123X' in sql
    bad = AppealFilter({"id_last4": "12345"}, queryset=Appeal.objects.all())
    assert not bad.is_valid() and "后四位" in str(bad.errors)
