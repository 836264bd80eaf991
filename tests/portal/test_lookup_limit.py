"""Searches by ID number are limited per user, per API token and per address: beyond the rate the answer
is 429 in Chinese with Retry-After, the first refusal is audited, other users and plain searches go on."""

import pytest
from django.core.cache import cache

from portal.audit_actions import AuditAction
from portal.models import AuditEvent, Role
from tests.factories import id_number_for

pytestmark = pytest.mark.django_db

PAGE = "/assistance/households/"
API = "/api/v1/assistance/households/"


@pytest.fixture(autouse=True)
def low_rate(settings):
    settings.PORTAL_PERSON_LOOKUP_RATE = "3/minute"
    cache.clear()
    yield
    cache.clear()


def test_the_page_refuses_the_fourth_id_search_in_a_minute(client, caseworker, make_user):
    client.force_login(caseworker)
    for seq in range(3):
        assert client.get(PAGE, {"q": id_number_for("610112", seq=seq)}).status_code == 200
    refused = client.get(PAGE, {"q": "1234"})  # the last digits count as well
    assert refused.status_code == 429 and "过于频繁" in refused.content.decode()
    assert int(refused["Retry-After"]) >= 1
    client.get(PAGE, {"q": id_number_for("610112", seq=9)})
    events = AuditEvent.objects.filter(action=AuditAction.PERSON_LOOKUP_LIMITED)
    assert events.count() == 1 and events.get().actor == caseworker  # audited once per window
    # a search by name or address is no ID lookup
    assert client.get(PAGE, {"q": "张三"}).status_code == 200
    # another caseworker is counted apart
    other = make_user(Role.CASEWORKER, "610100", username="cw_other")
    client.force_login(other)
    assert client.get(PAGE, {"q": id_number_for("610112", seq=1)}).status_code == 200


def test_the_api_counts_per_token(api, caseworker, approver):
    me = api(caseworker)
    for seq in range(3):
        assert me.get(API, {"search": id_number_for("610112", seq=seq)}).status_code == 200
    refused = me.get(API, {"search": id_number_for("610112", seq=4)})
    assert refused.status_code == 429 and "过于频繁" in refused.json()["detail"]
    assert api(approver).get(API, {"search": id_number_for("610112", seq=4)}).status_code != 429
    assert me.get(API).status_code == 200  # listing without a search is no lookup
