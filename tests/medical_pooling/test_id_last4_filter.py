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


def test_the_insured_search_box_takes_the_last_four_on_the_page_and_the_api(api):
    """The list's one search box (page and API ``?q=``) takes a name, a whole ID number or its last four."""
    from django.test import Client

    off = f.officer()
    a, b = f.insured(), f.insured()
    a.person.refresh_from_db()
    tail = a.person.id_last4
    assert b.person.id_last4 != tail
    body = api(off).get(f"{BASE}/insured/", {"q": tail}).json()
    assert {r["id"] for r in body["results"]} == {a.pk}
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(off)
    html = c.get("/pooling/insured/", {"q": tail}).content.decode()
    assert f"/pooling/insured/{a.pk}/" in html and f"/pooling/insured/{b.pk}/" not in html
    assert "姓名、完整身份证号码或后四位" in html
