"""Household edit, adding and moving members through the pages, duplicate hints, API role checks."""

import pytest

from assistance import services
from assistance.models import Member
from portal.models import AuditEvent, Role
from portal.services import person_get_or_create
from tests.factories import id_number_for

from . import factories as f

pytestmark = pytest.mark.django_db


def test_edit_household_and_bank_account_masked(caseworker, client):
    hh = f.household(caseworker, members=1, enrol=False)
    client.force_login(caseworker)
    resp = client.post(f"/assistance/households/{hh.pk}/edit/", {"area": "rural", "address": "新地址8号",
                                                                "bank_account": "6222 0000 1111 9876"})
    assert resp.status_code == 302
    hh.refresh_from_db()
    assert (hh.area, hh.address, hh.bank_account) == ("rural", "新地址8号", "6222000011119876")
    event = AuditEvent.objects.get(action="assistance.household_update")
    assert "6222000011119876" not in str(event.after) and event.after["bank_account"].endswith("9876")
    page = client.get(f"/assistance/households/{hh.pk}/").content.decode()
    assert "************9876" in page and "6222000011119876" not in page
    resp = client.post(f"/assistance/households/{hh.pk}/edit/", {"area": "rural", "address": "x", "bank_account": "abc"})
    assert resp.status_code == 200 and "银行账号只能包含数字" in resp.content.decode()


def test_add_and_move_members(caseworker, client, outsider):
    a = f.household(caseworker, members=1, enrol=False)
    b = f.household(caseworker, members=1, enrol=False)
    client.force_login(caseworker)
    new = f.new_id()
    assert client.post(f"/assistance/households/{a.pk}/members/", {"name": "新成员", "id_number": new,
                                                                   "relation": "child"}).status_code == 302
    assert a.members.filter(left_on__isnull=True).count() == 2
    # adding someone who is in another household is refused without the explicit move
    resp = client.post(f"/assistance/households/{b.pk}/members/", {"name": "新成员", "id_number": new,
                                                                   "relation": "other"})
    assert resp.status_code == 200 and "另一家庭" in resp.content.decode()
    resp = client.post(f"/assistance/households/{b.pk}/members/", {"id_number": new, "relation": "other",
                                                                   "move": "on"})
    assert resp.status_code == 302
    assert Member.objects.get(person__id_number=new, left_on__isnull=True).household_id == b.pk
    client.force_login(outsider)
    assert client.get(f"/assistance/households/{a.pk}/members/").status_code == 404


def test_duplicate_hint_by_pinyin_and_birth_date(caseworker, client):
    first = id_number_for("610112", seq=41, birth="19700505")
    second = id_number_for("610113", seq=42, birth="19700505")
    person_get_or_create(id_number=first, name="张伟")
    h2 = services.household_create(region="610113", area="urban", address="雁塔路1号",
                                   members=[{"name": "章伟", "id_number": second, "relation": "head"}], actor=caseworker)
    client.force_login(caseworker)
    page = client.get(f"/assistance/households/{h2.pk}/").content.decode()
    assert "疑似重复" in page and "张伟" in page


def test_api_roles(caseworker, approver, outsider, make_user, api, django_capture_on_commit_callbacks):
    hh = f.household(caseworker, members=1, enrol=False)
    number = hh.head.id_number
    body = {"id_number": number, "category": "dibao", "monthly_amount": "700.00", "start": "2025-01-01"}
    assert api(approver).post("/api/v1/assistance/enrolments/", body, format="json").status_code == 403
    assert api(outsider).post("/api/v1/assistance/enrolments/", body, format="json").status_code == 400
    assert api(caseworker).post("/api/v1/assistance/enrolments/", body, format="json").status_code == 201
    sch = f.scheme(caseworker)
    assert api(approver).post("/api/v1/assistance/batches/", {"scheme": sch.pk, "region": "610100"},
                              format="json").status_code == 403
    assert api(outsider).post("/api/v1/assistance/batches/", {"scheme": sch.pk, "region": "120000"},
                              format="json").status_code == 400  # the scheme is not theirs to see
    resp = api(caseworker).post("/api/v1/assistance/batches/", {"scheme": sch.pk, "region": "610000"}, format="json")
    assert resp.status_code == 403  # the province is above the caseworker's region
    insured = make_user(Role.INSURED, None)
    assert api(insured).get("/api/v1/assistance/schemes/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        resp = api(caseworker).post("/api/v1/assistance/batches/", {"scheme": sch.pk, "region": "610112"},
                                    format="json")
    batch_id = resp.json()["id"]
    assert api(insured).get(f"/api/v1/assistance/batches/{batch_id}/").status_code == 403
    cancel = api(caseworker).post(f"/api/v1/assistance/batches/{batch_id}/cancel/", {"reason": "重复"}, format="json")
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    assert api(caseworker).post(f"/api/v1/assistance/batches/{batch_id}/cancel/").status_code == 400
