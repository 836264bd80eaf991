"""The insured list API takes ``?id_last4=`` (the last four characters of the ID number, indexed)."""

import pytest

from . import factories as f

pytestmark = pytest.mark.django_db

BASE = "/api/v1/pooling"


def test_insured_api_filters_by_the_last_four(api):
    off = f.officer()
    a, b = f.insured(), f.insured()
    a.person.refresh_from_db()
    tail = a.person.id_last4
    assert len(tail) == 4 and b.person.id_last4 != tail
    body = api(off).get(f"{BASE}/insured/", {"id_last4": tail.lower()}).json()
    assert {r["id"] for r in body["results"]} == {a.pk}
    resp = api(off).get(f"{BASE}/insured/", {"id_last4": "12"})
    assert resp.status_code == 400 and "后四位" in str(resp.json())
