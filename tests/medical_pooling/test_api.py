"""API.md "medical_pooling": each rule allowed and denied."""

import pytest
from django.core.management import call_command

from medical_pooling import services
from medical_pooling.models import Account, Institution, Insured, LedgerEntry, Relation, Spend
from portal.models import AuditEvent, Role
from tests.factories import plain_id

from .factories import citizen_user, code_for, institution_user, insured, officer, recent, relation

pytestmark = pytest.mark.django_db

BASE = "/api/v1/pooling"


@pytest.fixture
def worker():
    return insured(scheme="employee", region="610100", balance=860000)


@pytest.fixture
def parent():
    return insured(scheme="resident", region="341600", person_region="341602")


@pytest.fixture
def worker_user(worker):
    return citizen_user(worker)


@pytest.fixture
def hospital():
    return institution_user()


def _rel_body(b, quota="800.00", kinship="parent", name=None):
    return {"beneficiary_id_number": plain_id(b.person), "beneficiary_name": name or b.person.name,
            "kinship": kinship, "quota": quota}


# ---------------------------------------------------------------- insured

def test_officer_registers_employee_with_balance(api, person):
    off = officer()
    r = api(off).post(f"{BASE}/insured/", {"id_number": person.id_number, "name": person.name,
                                           "scheme": "employee", "region": "610100", "balance": "8600.00"},
                      format="json")
    assert r.status_code == 201, r.content
    assert r.json()["balance"] == "8600.00" and r.json()["scheme"] == "employee"
    ins = Insured.objects.get(pk=r.json()["id"])
    assert ins.account.balance == 860000
    assert list(LedgerEntry.objects.filter(account=ins.account).values_list("kind", "amount")) == [("contribution", 860000)]
    assert AuditEvent.objects.filter(action="pooling.insured_create").exists()
    assert person.id_number not in r.content.decode()


def test_resident_has_no_account_and_refuses_balance(api, person):
    off = officer()
    body = {"id_number": person.id_number, "name": person.name, "scheme": "resident", "region": "341600",
            "balance": "10.00"}
    r = api(off).post(f"{BASE}/insured/", body, format="json")
    assert r.status_code == 400 and "balance" in r.json()
    body.pop("balance")
    r = api(off).post(f"{BASE}/insured/", body, format="json")
    assert r.status_code == 201
    assert not Account.objects.filter(insured_id=r.json()["id"]).exists()
    assert not LedgerEntry.objects.exists()


def test_insured_create_denied(api, person, caseworker):
    body = {"id_number": person.id_number, "name": person.name, "scheme": "employee", "region": "610100"}
    assert api().post(f"{BASE}/insured/", body, format="json").status_code == 401
    assert api(caseworker).post(f"{BASE}/insured/", body, format="json").status_code == 403
    bz = officer(region="341600")
    assert api(bz).post(f"{BASE}/insured/", body, format="json").status_code == 403
    bad = {**body, "id_number": person.id_number[:-1] + ("0" if person.id_number[-1] != "0" else "1")}
    r = api(officer()).post(f"{BASE}/insured/", bad, format="json")
    assert r.status_code == 400 and "id_number" in r.json()
    r = api(officer()).post(f"{BASE}/insured/", {**body, "name": "别人"}, format="json")
    assert r.status_code == 400 and "name" in r.json()
    assert not Insured.objects.exists()


def test_duplicate_insured_400(api, worker):
    r = api(officer()).post(f"{BASE}/insured/", {"id_number": plain_id(worker.person), "name": worker.person.name,
                                                 "scheme": "employee", "region": "610100"}, format="json")
    assert r.status_code == 400 and "参保" in str(r.json())


def test_status_change_dissolves_relations_as_pooler(api, worker, parent, worker_user):
    rel = relation(worker, parent, 80000)
    other = insured(scheme="employee", region="610100", balance=10000)
    incoming = relation(other, worker, 5000, kinship="child")
    off = officer(region="610000")
    r = api(off).post(f"{BASE}/insured/{worker.pk}/status/", {"status": "transferred"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "transferred"
    rel.refresh_from_db()
    incoming.refresh_from_db()
    assert rel.status == "dissolved" and rel.dissolved_at is not None
    assert incoming.status == "active"  # only relations as pooler end
    worker.account.refresh_from_db()
    assert worker.account.reserved == 0 and worker.account.balance == 860000
    assert worker.status_changes.count() == 2
    # the pooler can no longer pool
    r = api(worker_user).post(f"{BASE}/relations/", _rel_body(parent), format="json")
    assert r.status_code == 400


def test_status_change_denied(api, worker, caseworker):
    body = {"status": "terminated"}
    assert api(caseworker).post(f"{BASE}/insured/{worker.pk}/status/", body, format="json").status_code == 403
    assert api(officer(region="341600")).post(f"{BASE}/insured/{worker.pk}/status/", body,
                                              format="json").status_code == 404
    assert api(officer()).post(f"{BASE}/insured/{worker.pk}/status/", {"status": "nope"},
                               format="json").status_code == 400
    worker.refresh_from_db()
    assert worker.status == "active"


# ---------------------------------------------------------------- relations

def test_create_relation_and_me(api, worker, parent, worker_user):
    r = api(worker_user).post(f"{BASE}/relations/", _rel_body(parent), format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert {k: body[k] for k in ("status", "quota", "used", "remaining")} == {
        "status": "pending", "quota": "800.00", "used": "0.00", "remaining": "0.00"}
    worker.refresh_from_db()
    assert worker.wallet_opened  # opened automatically at first pooling
    me = api(worker_user).get(f"{BASE}/me/").json()
    assert (me["reserved"], me["available"]) == ("0.00", "8600.00")  # a request reserves nothing
    assert me["relations_out"][0]["status"] == "pending"
    r = api(citizen_user(parent)).post(f"{BASE}/relations/{body['id']}/accept/")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "active" and r.json()["remaining"] == "800.00"
    me = api(worker_user).get(f"{BASE}/me/").json()
    assert (me["balance"], me["reserved"], me["available"]) == ("8600.00", "800.00", "7800.00")
    assert [x["id"] for x in me["relations_out"]] == [body["id"]] and me["relations_in"] == []
    parent_me = api(citizen_user(parent)).get(f"{BASE}/me/").json()
    assert parent_me["balance"] == "0.00" and parent_me["relations_in"][0]["remaining"] == "800.00"
    assert parent_me["relations_in"][0]["beneficiary_name"].endswith("*")


@pytest.mark.parametrize("change, field", [
    # a citizen is not told that the ID is insured under another name: the one out-of-scope answer
    ({"beneficiary_name": "不对"}, "beneficiary_id_number"),
    ({"kinship": "cousin"}, "kinship"),
    ({"quota": "8600.01"}, "quota"),
    ({"quota": "0"}, "quota"),
])
def test_create_relation_400(api, worker, parent, worker_user, change, field):
    r = api(worker_user).post(f"{BASE}/relations/", {**_rel_body(parent), **change}, format="json")
    assert r.status_code == 400 and field in r.json(), r.content
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(r.json()))  # Chinese message
    assert not Relation.objects.exists()


def test_create_relation_beneficiary_not_insured(api, worker_user, person):
    r = api(worker_user).post(f"{BASE}/relations/", {"beneficiary_id_number": person.id_number,
                                                     "beneficiary_name": person.name, "kinship": "spouse",
                                                     "quota": "1.00"}, format="json")
    assert r.status_code == 400 and "beneficiary_id_number" in r.json()


def test_create_relation_self_and_duplicate(api, worker, parent, worker_user):
    r = api(worker_user).post(f"{BASE}/relations/", _rel_body(worker), format="json")
    assert r.status_code == 400
    assert api(worker_user).post(f"{BASE}/relations/", _rel_body(parent), format="json").status_code == 201
    r = api(worker_user).post(f"{BASE}/relations/", _rel_body(parent, quota="1.00"), format="json")
    assert r.status_code == 400
    assert Relation.objects.count() == 1


def test_beneficiary_must_be_actively_insured(api, worker_user):
    gone = insured(scheme="resident", region="341600", person_region="341602", status="terminated")
    r = api(worker_user).post(f"{BASE}/relations/", _rel_body(gone), format="json")
    assert r.status_code == 400 and "beneficiary_id_number" in r.json()


def test_resident_or_inactive_cannot_pool(api, worker, parent):
    r = api(citizen_user(parent)).post(f"{BASE}/relations/", _rel_body(worker, kinship="child"), format="json")
    assert r.status_code == 400 and "detail" in r.json()
    stopped = insured(scheme="employee", balance=100000, status="terminated")
    r = api(citizen_user(stopped)).post(f"{BASE}/relations/", _rel_body(parent), format="json")
    assert r.status_code == 400


def test_relation_roles(api, worker, parent, hospital):
    assert api(officer()).post(f"{BASE}/relations/", _rel_body(parent), format="json").status_code == 403
    assert api(hospital).post(f"{BASE}/relations/", _rel_body(parent), format="json").status_code == 403
    assert api(officer()).get(f"{BASE}/me/").status_code == 403
    assert api().get(f"{BASE}/me/").status_code == 401


def test_quota_raise_lower(api, worker, parent, worker_user, hospital):
    rel = relation(worker, parent, 80000)
    url = f"{BASE}/relations/{rel.pk}/"
    r = api(worker_user).patch(url, {"quota": "1000.00"}, format="json")
    assert r.status_code == 200 and r.json()["quota"] == "1000.00"
    r = api(worker_user).patch(url, {"quota": "8600.01"}, format="json")
    assert r.status_code == 400 and "quota" in r.json()
    r = api(hospital).post(f"{BASE}/spends/", _spend(rel, "300.00"), format="json")
    assert r.status_code == 201, r.content
    r = api(worker_user).patch(url, {"quota": "299.99"}, format="json")
    assert r.status_code == 400 and "quota" in r.json()
    r = api(worker_user).patch(url, {"quota": "300.00"}, format="json")
    assert r.status_code == 200 and r.json()["remaining"] == "0.00"
    worker.account.refresh_from_db()
    assert (worker.account.balance, worker.account.reserved) == (830000, 0)


def test_quota_patch_denied(api, worker, parent):
    rel = relation(worker, parent, 80000)
    url = f"{BASE}/relations/{rel.pk}/"
    # the beneficiary sees it but may not change it
    assert api(citizen_user(parent)).patch(url, {"quota": "1.00"}, format="json").status_code == 403
    stranger = citizen_user(insured(balance=100))
    assert api(stranger).patch(url, {"quota": "1.00"}, format="json").status_code == 404
    assert api(officer()).patch(url, {"quota": "1.00"}, format="json").status_code == 403
    rel.refresh_from_db()
    assert rel.quota == 80000


def test_dissolve_by_either_party_returns_quota(api, worker, parent, worker_user):
    rel = relation(worker, parent, 80000)
    stranger = citizen_user(insured(balance=100))
    assert api(stranger).post(f"{BASE}/relations/{rel.pk}/dissolve/").status_code == 404
    assert api(officer()).post(f"{BASE}/relations/{rel.pk}/dissolve/").status_code == 403
    r = api(citizen_user(parent)).post(f"{BASE}/relations/{rel.pk}/dissolve/", {"reason": "不再需要"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "dissolved"
    me = api(worker_user).get(f"{BASE}/me/").json()
    assert (me["reserved"], me["available"]) == ("0.00", "8600.00")
    assert me["relations_out"][0]["status"] == "dissolved"
    assert api(worker_user).post(f"{BASE}/relations/{rel.pk}/dissolve/").status_code == 400
    # a new relation for the same pair may be set up again
    assert api(worker_user).post(f"{BASE}/relations/", _rel_body(parent), format="json").status_code == 201


# ---------------------------------------------------------------- spends

def _spend(rel, amount="100.00", at=None, category="medical", code=None):
    """A spend body with a fresh payment code the beneficiary has shown (or `code`)."""
    return {"payment_code": code or code_for(rel), "category": category, "amount": amount,
            "occurred_at": at or recent().isoformat()}


def test_spend_moves_money(api, worker, parent, hospital):
    rel = relation(worker, parent, 80000)
    r = api(hospital).post(f"{BASE}/spends/", _spend(rel, "123.45"), format="json")
    assert r.status_code == 201, r.content
    assert r.json()["amount"] == "123.45" and r.json()["payer_region"] == "610100"
    assert r.json()["payee_region"] == "341600"
    rel.refresh_from_db()
    worker.account.refresh_from_db()
    assert rel.used == 12345
    assert (worker.account.balance, worker.account.reserved) == (860000 - 12345, 80000 - 12345)
    mine = api(citizen_user(parent)).get(f"{BASE}/spends/").json()
    assert mine["count"] == 1


def test_spend_denied(api, worker, parent, hospital, worker_user):
    rel = relation(worker, parent, 80000)
    assert api(worker_user).post(f"{BASE}/spends/", _spend(rel), format="json").status_code == 403
    assert api(officer()).post(f"{BASE}/spends/", _spend(rel), format="json").status_code == 403
    refused = services.SPEND_REFUSED
    r = api(hospital).post(f"{BASE}/spends/", _spend(rel, "800.01"), format="json")
    assert r.status_code == 400 and r.json() == {"payment_code": [refused]}
    r = api(hospital).post(f"{BASE}/spends/", {**_spend(rel), "beneficiary_id_number": plain_id(worker.person)},
                           format="json")
    assert r.status_code == 400 and r.json() == {"payment_code": [refused]}
    r = api(hospital).post(f"{BASE}/spends/", {**_spend(rel), "relation": 999999}, format="json")
    assert r.status_code == 400 and r.json() == {"payment_code": [refused]}
    r = api(hospital).post(f"{BASE}/spends/", _spend(rel, at="2099-01-01T00:00:00+08:00"), format="json")
    assert r.status_code == 400 and "occurred_at" in r.json()
    code = code_for(rel)
    api(worker_user).post(f"{BASE}/relations/{rel.pk}/dissolve/")
    r = api(hospital).post(f"{BASE}/spends/", _spend(rel, code=code), format="json")
    assert r.status_code == 400 and r.json() == {"payment_code": [refused]}
    assert not Spend.objects.exists()


def test_spend_idempotency(api, worker, parent, hospital):
    rel = relation(worker, parent, 80000)
    client = api(hospital)
    body = _spend(rel)
    first = client.post(f"{BASE}/spends/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    # the replay carries the same (now used) code: it answers from the record, no fresh code needed
    again = client.post(f"{BASE}/spends/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert Spend.objects.count() == 1
    other = client.post(f"{BASE}/spends/", {**body, "amount": "5.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409
    assert Spend.objects.count() == 1
    rel.refresh_from_db()
    assert rel.used == 10000


def test_spend_out_of_scope_lists(api, worker, parent, hospital):
    rel = relation(worker, parent, 80000)
    api(hospital).post(f"{BASE}/spends/", _spend(rel), format="json")
    pharmacy = institution_user("P61010200001", "西安大药房")
    assert api(pharmacy).get(f"{BASE}/spends/").json()["count"] == 0
    assert api(hospital).get(f"{BASE}/spends/").json()["count"] == 1
    assert api(officer(region="120000")).get(f"{BASE}/spends/").json()["count"] == 0
    assert api(officer(region="340000")).get(f"{BASE}/spends/").json()["count"] == 1
    stranger = citizen_user(insured(balance=100))
    assert api(stranger).get(f"{BASE}/spends/").json()["count"] == 0
    assert api(stranger).get(f"{BASE}/relations/{rel.pk}/").status_code == 404


def test_create_portal_user_institution_creates_institution():
    call_command("create_portal_user", "--username", "h1", "--password", "pw123456!", "--role", "institution",
                 "--institution", "H34160200001", "--name", "亳州市人民医院")
    inst = Institution.objects.get(code="H34160200001")
    assert inst.region_id == "341602" and inst.kind == "hospital" and inst.name == "亳州市人民医院"
    call_command("create_portal_user", "--username", "p1", "--password", "pw123456!", "--role", "institution",
                 "--institution", "P61011200009")
    assert Institution.objects.get(code="P61011200009").kind == "pharmacy"
    call_command("create_portal_user", "--username", "h1", "--password", "pw123456!", "--role", "institution",
                 "--institution", "H34160200001")
    assert Institution.objects.filter(code="H34160200001").count() == 1
    assert Institution.objects.get(code="H34160200001").name == "亳州市人民医院"
    assert Role.INSTITUTION == "institution"


def test_refund_is_a_new_ledger_row(api, worker, parent, hospital, worker_user):
    rel = relation(worker, parent, 80000)
    spend = api(hospital).post(f"{BASE}/spends/", _spend(rel, "300.00"), format="json").json()
    other = institution_user("P34160200001", "药房")
    assert api(other).post(f"{BASE}/spends/{spend['id']}/refund/").status_code == 404
    assert api(worker_user).post(f"{BASE}/spends/{spend['id']}/refund/").status_code == 403
    r = api(hospital).post(f"{BASE}/spends/{spend['id']}/refund/", {"reason": "退费"}, format="json")
    assert r.status_code == 200 and r.json()["refunded"] is True
    assert r.json()["remaining"] is None  # the remaining quota is not the institution's business
    assert api(citizen_user(parent)).get(f"{BASE}/relations/{rel.pk}/").json()["remaining"] == "800.00"
    assert api(hospital).post(f"{BASE}/spends/{spend['id']}/refund/").status_code == 400
    kinds = list(LedgerEntry.objects.filter(account=worker.account).order_by("id").values_list("kind", "amount"))
    assert kinds == [("contribution", 860000), ("reserve", 0), ("pooled_spend", -30000), ("refund", 30000)]
    assert Spend.objects.get(pk=spend["id"]).amount == 30000  # the spend itself is never edited
    # after dissolution a refund returns the money to the balance only
    spend2 = api(hospital).post(f"{BASE}/spends/", _spend(rel, "100.00"), format="json").json()
    api(worker_user).post(f"{BASE}/relations/{rel.pk}/dissolve/")
    assert api(hospital).post(f"{BASE}/spends/{spend2['id']}/refund/").status_code == 200
    worker.account.refresh_from_db()
    assert (worker.account.balance, worker.account.reserved) == (860000, 0)


def test_ledger_and_spends_are_append_only(worker, parent, hospital):
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.db import connection, transaction

    rel = relation(worker, parent, 1000)
    entry = LedgerEntry.objects.filter(account=worker.account).first()
    with pytest.raises(DjangoValidationError):
        entry.save()
    with pytest.raises(DjangoValidationError):
        entry.delete()
    if connection.vendor == "postgresql":
        from django.db import DatabaseError

        with pytest.raises(DatabaseError), transaction.atomic():
            LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
        with pytest.raises(DatabaseError), transaction.atomic():
            LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == entry.amount
    assert rel.pk
