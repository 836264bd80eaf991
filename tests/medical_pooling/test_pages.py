"""Pages: self-service, institution spend form, officer lists and clearing — allowed and denied."""

import datetime as dt

import pytest
from django.test import Client

from medical_pooling import services
from medical_pooling.models import Insured, Relation, SettlementLine, Spend

from .factories import citizen_user, institution_user, insured, officer, relation

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def pair():
    worker = insured(balance=860000)
    parent = insured(scheme="resident", region="341600", person_region="341602")
    return worker, parent


def test_me_page_shows_cards_relations_and_spends(pair):
    worker, parent = pair
    rel = relation(worker, parent, 80000)
    hospital = institution_user()
    services.spend_create(actor=hospital, relation_id=rel.pk, beneficiary_id_number=parent.person.id_number,
                          category="medical", amount=12000,
                          occurred_at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    html = client_for(citizen_user(worker)).get("/pooling/").content.decode()
    assert "¥8,480.00" in html and "¥680.00" in html and "¥7,800.00" in html
    assert parent.person.name in html and "亳州市人民医院" in html and "2026年1月5日" in html
    assert 'data-confirm="' in html and "<script>" not in html.split("</main>")[0]
    parent_html = client_for(citizen_user(parent)).get("/pooling/").content.decode()
    assert "¥680.00" in parent_html and worker.person.name in parent_html


def test_add_change_dissolve_through_forms(pair):
    worker, parent = pair
    c = client_for(citizen_user(worker))
    r = c.post("/pooling/relations/new/", {"beneficiary_id_number": parent.person.id_number,
                                           "beneficiary_name": "错名", "kinship": "parent", "quota": "500"})
    assert r.status_code == 200 and "姓名" in r.content.decode() and not Relation.objects.exists()
    r = c.post("/pooling/relations/new/", {"beneficiary_id_number": parent.person.id_number,
                                           "beneficiary_name": parent.person.name, "kinship": "parent",
                                           "quota": "9000"})
    assert r.status_code == 200 and "可用余额" in r.content.decode() and not Relation.objects.exists()
    r = c.post("/pooling/relations/new/", {"beneficiary_id_number": parent.person.id_number,
                                           "beneficiary_name": parent.person.name, "kinship": "parent",
                                           "quota": "500"})
    assert r.status_code == 302
    rel = Relation.objects.get()
    assert rel.quota == 50000
    c.post(f"/pooling/relations/{rel.pk}/quota/", {"quota": "700.00"})
    rel.refresh_from_db()
    assert rel.quota == 70000
    # a stranger cannot touch it
    stranger = client_for(citizen_user(insured(balance=1)))
    assert stranger.post(f"/pooling/relations/{rel.pk}/dissolve/").status_code == 404
    c.post(f"/pooling/relations/{rel.pk}/dissolve/")
    rel.refresh_from_db()
    assert rel.status == "dissolved"


def test_pages_refuse_wrong_roles(pair, caseworker):
    c = client_for(caseworker)
    for url in ["/pooling/", "/pooling/spend/", "/pooling/insured/", "/pooling/settlements/"]:
        assert c.get(url).status_code == 403, url
    assert Client().get("/pooling/").status_code == 302


def test_institution_spend_form(pair):
    worker, parent = pair
    rel = relation(worker, parent, 80000)
    c = client_for(institution_user())
    assert c.get("/pooling/spend/").status_code == 200
    body = {"relation": rel.pk, "beneficiary_id_number": parent.person.id_number, "category": "pharmacy",
            "amount": "900.00", "occurred_at": "2026-01-05T09:00"}
    r = c.post("/pooling/spend/", body)
    assert r.status_code == 200 and "剩余共济额度" in r.content.decode() and not Spend.objects.exists()
    r = c.post("/pooling/spend/", {**body, "amount": "88.00"})
    assert r.status_code == 302
    spend = Spend.objects.get()
    assert spend.amount == 8800 and spend.occurred_at == dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC)


def test_officer_insured_list_create_and_status(pair):
    worker, parent = pair
    off = officer(region="610000")
    c = client_for(off)
    html = c.get("/pooling/insured/").content.decode()
    assert worker.person.name in html and parent.person.name not in html  # Bozhou is out of region
    assert c.get(f"/pooling/insured/?q={worker.person.name}&scheme=employee").status_code == 200
    assert c.get(f"/pooling/insured/{parent.pk}/").status_code == 404
    from tests.factories import PersonFactory

    p = PersonFactory()
    r = c.post("/pooling/insured/new/", {"id_number": p.id_number, "name": p.name, "scheme": "employee",
                                         "region": "610100", "balance": "100.00"})
    assert r.status_code == 302
    new = Insured.objects.get(person=p)
    assert new.account.balance == 10000
    r = c.post("/pooling/insured/new/", {"id_number": p.id_number, "name": p.name, "scheme": "employee",
                                         "region": "341600"})
    assert r.status_code == 403  # Bozhou is outside this officer's region: a refusal, not a form error
    rel = relation(worker, parent, 1000)
    assert c.post(f"/pooling/insured/{worker.pk}/", {"status": "terminated"}).status_code == 302
    rel.refresh_from_db()
    assert rel.status == "dissolved"


def test_settlement_page_runs_and_lists(pair, django_capture_on_commit_callbacks):
    worker, parent = pair
    rel = relation(worker, parent, 80000)
    services.spend_create(actor=institution_user(), relation_id=rel.pk, beneficiary_id_number=parent.person.id_number,
                          category="medical", amount=5000,
                          occurred_at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    c = client_for(officer())
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/pooling/settlements/", {"month": "2026-01"})
    assert r.status_code == 302
    html = c.get("/pooling/settlements/?month=2026-01").content.decode()
    assert "西安市（610100）" in html and "亳州市（341600）" in html and "¥50.00" in html and "对账一致" in html
    assert SettlementLine.objects.filter(month="2026-01").count() == 1
    # a prefecture-level officer sees statements but may not run them
    city = client_for(officer(region="341600"))
    assert "¥50.00" in city.get("/pooling/settlements/?month=2026-01").content.decode()
    assert city.post("/pooling/settlements/", {"month": "2026-01"}).status_code == 403
    csv_text = c.get("/pooling/settlements/export/?month=2026-01").content.decode("utf-8-sig")
    assert "2026-01,610100,西安市,341600,亳州市,1,50.00" in csv_text and "对账一致" in csv_text
    assert c.get("/pooling/settlements/export/?month=bad").status_code == 400


def test_admin_is_read_only_and_verifies_ledger(pair, admin_user):
    from medical_pooling.models import Account

    worker, parent = pair
    relation(worker, parent, 1000)
    c = client_for(admin_user)
    assert c.get("/admin/medical_pooling/ledgerentry/").status_code == 200
    assert c.get("/admin/medical_pooling/ledgerentry/add/").status_code == 403
    r = c.post("/admin/medical_pooling/account/", {"action": "verify_ledger_invariant",
                                                   "_selected_action": [worker.account.pk]}, follow=True)
    assert "全部个人账户与流水一致" in r.content.decode()
    Account.objects.filter(pk=worker.account.pk).update(balance=5000)  # simulate a corrupted row ...
    r = c.post("/admin/medical_pooling/account/", {"action": "verify_ledger_invariant",
                                                   "_selected_action": [worker.account.pk]}, follow=True)
    assert f"账户 #{worker.account.pk}：余额 5000" in r.content.decode()
    Account.objects.filter(pk=worker.account.pk).update(balance=860000)  # ... and restore it


def test_demo_seed(capsys):
    from django.core.management import call_command

    from medical_pooling import demo
    from medical_pooling.models import SettlementLine
    from portal.demo import BOZHOU_PARENT_ID, XIAN_WORKER_ID
    from portal.demo import seed as seed_portal

    class Out:
        def write(self, text):
            print(text)

    seed_portal(Out(), password="demo12345")
    demo.seed(Out())
    worker = Insured.objects.get(person__id_number=XIAN_WORKER_ID)
    rel = Relation.objects.get(pooler=worker, beneficiary__person__id_number=BOZHOU_PARENT_ID)
    assert rel.used > 0 and Insured.objects.count() >= 100
    month = services.previous_month()
    assert SettlementLine.objects.filter(month=month, payer_region="610100", payee_region="341600").exists()
    demo.seed(Out())  # idempotent
    assert Insured.objects.count() == 102
    assert call_command is not None


def test_insured_csv_and_xlsx_import():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from tests.factories import PersonFactory

    a, b, c3 = PersonFactory.build(), PersonFactory.build(), PersonFactory.build()
    c = client_for(officer(region="610000"))
    bad = ("身份证号码,姓名,参保险种,统筹地区代码,个人账户余额\n"
           f"{a.id_number},{a.name},职工,610100,1200.50\n"
           f"{b.id_number[:-1]}X,{b.name},居民,610100,\n"
           f"{c3.id_number},{c3.name},居民,610100,5\n").encode("utf-8-sig")
    r = c.post("/pooling/insured/import/", {"file": SimpleUploadedFile("l.csv", bad, "text/csv")})
    html = r.content.decode()
    assert r.status_code == 200 and "第 4 行" in html and not Insured.objects.exists()
    good = bad.decode("utf-8-sig").replace(f"{b.id_number[:-1]}X", b.id_number).replace(",居民,610100,5", ",居民,610100,")
    r = c.post("/pooling/insured/import/", {"file": SimpleUploadedFile("l.csv", good.encode(), "text/csv")})
    assert r.status_code == 302 and Insured.objects.count() == 3
    assert Insured.objects.get(person__id_number=a.id_number).account.balance == 120050
    wb = Workbook()
    d = PersonFactory.build()
    wb.active.append(["id_number", "name", "scheme", "region", "balance"])
    wb.active.append([d.id_number, d.name, "employee", "341600", "10"])
    buf = io.BytesIO()
    wb.save(buf)
    r = c.post("/pooling/insured/import/", {"file": SimpleUploadedFile("l.xlsx", buf.getvalue())})
    assert r.status_code == 403  # Bozhou is outside this officer's region: the whole file is refused
    assert Insured.objects.count() == 3


def test_lists_use_a_fixed_number_of_queries(django_assert_max_num_queries, api):
    worker = insured(balance=10_000_000)
    hospital = institution_user()
    for _ in range(12):
        rel = relation(worker, insured(scheme="resident", region="341600", person_region="341602"), 1000)
        services.spend_create(actor=hospital, relation_id=rel.pk, beneficiary_id_number=rel.beneficiary.person.id_number,
                              category="medical", amount=100,
                              occurred_at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    off = officer()
    c = client_for(off)
    with django_assert_max_num_queries(12):
        assert c.get("/pooling/insured/").status_code == 200
    client = api(off)
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/pooling/spends/").json()["count"] == 12
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/pooling/relations/").json()["count"] == 12
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/pooling/insured/").json()["count"] == 13
