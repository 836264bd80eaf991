import pytest

from casework import services
from casework.models import AidPayment, HomeRegionNotice, TemporaryAid
from portal.models import AuditEvent

from .factories import household, new_id

URL = "/api/v1/casework/temporary-aid/"


def _body(**extra):
    body = {"id_number": new_id("610112"), "name": "刘临时", "region": "610112", "kind": "emergency",
            "amount": "800.00", "reason": "突发火灾，生活困难"}
    body.update(extra)
    return body


@pytest.mark.django_db
def test_small_aid_paid_at_once_then_post_review(api, caseworker, approver):
    r = api(caseworker).post(URL, _body(), format="json")
    assert r.status_code == 201, r.json()
    aid = r.json()
    assert aid["status"] == "paid" and aid["fast_track"] and aid["needs_review"]
    assert aid["payment_reference"].startswith("SIM-")
    assert AidPayment.objects.filter(aid_id=aid["id"], amount=80000).count() == 1
    assert AuditEvent.objects.filter(action="casework.aid_pay", object_id=str(aid["id"])).exists()
    # the caseworker cannot do the after-review; the approver can
    assert api(caseworker).post(f"{URL}{aid['id']}/review/", {"outcome": "confirmed"}, format="json").status_code == 403
    r = api(approver).post(f"{URL}{aid['id']}/review/", {"outcome": "irregular"}, format="json")
    assert r.status_code == 400 and "说明" in r.json()["note"][0]
    r = api(approver).post(f"{URL}{aid['id']}/review/", {"outcome": "confirmed", "note": "材料齐全"}, format="json")
    assert r.status_code == 200 and r.json()["needs_review"] is False and r.json()["review_outcome"] == "confirmed"
    assert api(caseworker).get(URL + "?needs_review=true").json()["count"] == 0


@pytest.mark.django_db
def test_above_threshold_needs_approval_by_another(api, caseworker, approver, make_user):
    services.policy_set(region="610100", small_aid_threshold=50000, yearly_cap=1000000, actor=approver)
    r = api(caseworker).post(URL, _body(amount="800.00"), format="json")
    aid = r.json()
    assert aid["status"] == "pending" and not aid["fast_track"]
    assert not AidPayment.objects.exists()
    assert api(caseworker).post(f"{URL}{aid['id']}/approve/").status_code == 403
    r = api(approver).post(f"{URL}{aid['id']}/approve/", HTTP_IDEMPOTENCY_KEY="k-1")
    assert r.status_code == 200 and r.json()["status"] == "paid"
    again = api(approver).post(f"{URL}{aid['id']}/approve/", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert AidPayment.objects.count() == 1
    # without the key a second approve is refused, never a second payment
    assert api(approver).post(f"{URL}{aid['id']}/approve/").status_code == 400
    assert AidPayment.objects.count() == 1


@pytest.mark.django_db
def test_create_idempotency_key(api, caseworker):
    body = _body()
    a = api(caseworker).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    b = api(caseworker).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert a.status_code == b.status_code == 201 and a.json()["id"] == b.json()["id"]
    c = api(caseworker).post(URL, {**body, "amount": "100.00"}, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert c.status_code == 409
    assert TemporaryAid.objects.count() == 1 and AidPayment.objects.count() == 1


@pytest.mark.django_db
def test_yearly_cap(api, caseworker, approver):
    services.policy_set(region="610100", small_aid_threshold=100000, yearly_cap=150000, actor=approver)
    number = new_id("610112")
    assert api(caseworker).post(URL, _body(id_number=number, amount="1000.00"), format="json").status_code == 201
    r = api(caseworker).post(URL, _body(id_number=number, amount="600.00"), format="json")
    assert r.status_code == 400 and "年度上限" in r.json()["amount"][0]
    assert TemporaryAid.objects.count() == 1 and AidPayment.objects.count() == 1
    assert api(caseworker).post(URL, _body(id_number=number, amount="500.00"), format="json").status_code == 201


@pytest.mark.django_db
def test_non_resident_aided_here_reported_home(api, caseworker, make_user):
    # a Tianjin resident in distress in Xi'an
    r = api(caseworker).post(URL, _body(id_number=new_id("120101"), name="外地人"), format="json")
    assert r.status_code == 201
    aid = r.json()
    assert aid["non_resident"] is True and aid["home_region"] == "120101" and aid["status"] == "paid"
    notice = HomeRegionNotice.objects.get(aid_id=aid["id"])
    assert notice.region_id == "120101" and notice.from_region_id == "610112"
    # a resident gets no notice
    hh, rows = household(caseworker, region="610112")
    r = api(caseworker).post(URL, _body(id_number=rows[0]["id_number"], name=rows[0]["name"]), format="json")
    assert r.json()["non_resident"] is False and HomeRegionNotice.objects.count() == 1


@pytest.mark.django_db
def test_aid_permissions(api, caseworker, approver, outsider, officer):
    assert api(approver).post(URL, _body(), format="json").status_code == 403
    assert api(officer).get(URL).status_code == 403
    assert api(outsider).post(URL, _body(), format="json").status_code == 403
    pk = api(caseworker).post(URL, _body(), format="json").json()["id"]
    assert api(outsider).get(f"{URL}{pk}/").status_code == 404
    assert TemporaryAid.objects.count() == 1


@pytest.mark.django_db
def test_bad_aid_input(api, caseworker):
    r = api(caseworker).post(URL, _body(amount="0"), format="json")
    assert r.status_code == 400 and "大于零" in r.json()["amount"][0]
    r = api(caseworker).post(URL, _body(kind="lottery"), format="json")
    assert r.status_code == 400
    assert not TemporaryAid.objects.exists()
