import pytest
from django.utils import timezone

from casework.models import Encounter, Inventory, Shelter, UnidentifiedPerson
from portal.models import AuditEvent

from . import factories as f

URL = "/api/v1/casework/encounters/"


def _body(patrol, **extra):
    body = {"patrol": patrol.pk, "at": timezone.now().isoformat(), "location": "北大街地下通道",
            "condition": "cold", "outcome": "on_site"}
    body.update(extra)
    return body


@pytest.mark.django_db
def test_shelter_and_inventory_in_one_transaction(api, caseworker):
    inv = f.inventory(caseworker, food=3, clothing=2, bedding=1)
    shelter = f.shelter(caseworker, capacity=1)
    patrol = f.patrol(caseworker, inventory=inv)
    r = api(caseworker).post(URL, _body(patrol, id_number=f.new_id(), name="赵流浪", food=2, clothing=1, bedding=1,
                                        outcome="shelter", shelter=shelter.pk), format="json")
    assert r.status_code == 201, r.json()
    inv.refresh_from_db()
    shelter.refresh_from_db()
    assert (inv.food, inv.clothing, inv.bedding) == (1, 1, 0) and shelter.occupancy == 1
    # shelter full: refused, and the supplies are not taken either
    r = api(caseworker).post(URL, _body(patrol, unidentified_description="中年男性，灰色棉衣", food=1,
                                        outcome="shelter", shelter=shelter.pk), format="json")
    assert r.status_code == 400 and "满员" in r.json()["shelter"][0]
    inv.refresh_from_db()
    assert inv.food == 1 and Encounter.objects.count() == 1 and not UnidentifiedPerson.objects.exists()
    # inventory below zero refused
    r = api(caseworker).post(URL, _body(patrol, unidentified_description="老年女性", bedding=1), format="json")
    assert r.status_code == 400 and "库存不足" in r.json()["inventory"][0]
    assert Encounter.objects.count() == 1 and Inventory.objects.get().bedding == 0


@pytest.mark.django_db
def test_refused_needs_help_contact_and_escort_needs_handover(api, caseworker):
    patrol = f.patrol(caseworker)
    r = api(caseworker).post(URL, _body(patrol, unidentified_description="青年男性", outcome="refused"), format="json")
    assert r.status_code == 400 and "求助方式" in r.json()["help_contact"][0]
    r = api(caseworker).post(URL, _body(patrol, unidentified_description="青年男性", outcome="refused",
                                        help_contact="救助热线 12345"), format="json")
    assert r.status_code == 201
    r = api(caseworker).post(URL, _body(patrol, unidentified_description="约10岁男孩", vulnerable="minor"),
                             format="json")
    assert r.status_code == 400 and "未成年人" in r.json()["outcome"][0]
    r = api(caseworker).post(URL, _body(patrol, unidentified_description="约10岁男孩", vulnerable="minor",
                                        outcome="escorted", escort_with="police"), format="json")
    assert r.status_code == 400 and "交接" in r.json()["handed_to"][0]
    r = api(caseworker).post(URL, _body(patrol, unidentified_description="约10岁男孩", vulnerable="minor",
                                        outcome="escorted", escort_with="both", handed_to="西安市救助管理站 王站长"),
                             format="json")
    assert r.status_code == 201 and r.json()["handed_over_at"]


@pytest.mark.django_db
def test_unidentified_then_linked(api, caseworker, outsider, approver):
    patrol = f.patrol(caseworker)
    first = api(caseworker).post(URL, _body(patrol, unidentified_description="老年男性，拄拐"), format="json").json()
    uid = first["unidentified"]
    second = api(caseworker).post(URL, _body(patrol, unidentified=uid), format="json")
    assert second.status_code == 201 and second.json()["unidentified"] == uid
    link = f"/api/v1/casework/unidentified/{uid}/link/"
    number = f.new_id("610103")
    assert api(outsider).post(link, {"id_number": number, "name": "钱老汉"}, format="json").status_code == 404
    assert api(caseworker).post(link, {"id_number": "123", "name": "钱老汉"}, format="json").status_code == 400
    r = api(approver).post(link, {"id_number": number, "name": "钱老汉"}, format="json")
    assert r.status_code == 200 and r.json()["name"] == "钱老汉" and r.json()["encounter_count"] == 2
    assert Encounter.objects.filter(person__id_number=number).count() == 2
    assert AuditEvent.objects.filter(action="casework.unidentified_link").exists()
    assert api(approver).post(link, {"id_number": number, "name": "钱老汉"}, format="json").status_code == 400


@pytest.mark.django_db
def test_encounter_permissions(api, caseworker, approver, outsider, officer):
    patrol = f.patrol(caseworker)
    body = _body(patrol, unidentified_description="x")
    assert api(approver).post(URL, body, format="json").status_code == 403
    assert api(officer).post(URL, body, format="json").status_code == 403
    assert api(outsider).post(URL, body, format="json").status_code == 404
    other_shelter = f.shelter(outsider, region="120101")
    r = api(caseworker).post(URL, _body(patrol, unidentified_description="x", outcome="shelter",
                                        shelter=other_shelter.pk), format="json")
    assert r.status_code == 400 and Shelter.objects.get(pk=other_shelter.pk).occupancy == 0
    assert not Encounter.objects.exists()
    assert api(caseworker).get("/api/v1/casework/shelters/").json()["count"] == 0
