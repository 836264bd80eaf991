"""Pages: self-service, institution spend form, officer lists and clearing — allowed and denied."""

import datetime as dt

import pytest
from django.test import Client

from medical_pooling import services
from medical_pooling.models import Insured, Relation, SettlementLine, Spend
from tests.factories import plain_id

from .factories import citizen_user, code_for, institution_user, insured, officer, relation, spend

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("historic_dates")]


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
    spend(hospital, rel, 12000, dt.datetime(2026, 1, 5, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    html = client_for(citizen_user(worker)).get("/pooling/").content.decode()
    assert "¥8,480.00" in html and "¥680.00" in html and "¥7,800.00" in html
    assert parent.person.name in html and "亳州市人民医院" in html and "2026年1月5日" in html
    assert 'data-confirm="' in html and "<script>" not in html.split("</main>")[0]
    parent_html = client_for(citizen_user(parent)).get("/pooling/").content.decode()
    assert "¥680.00" in parent_html and worker.person.name in parent_html


def test_add_change_dissolve_through_forms(pair):
    worker, parent = pair
    c = client_for(citizen_user(worker))
    r = c.post("/pooling/relations/new/", {"beneficiary_id_number": plain_id(parent.person),
                                           "beneficiary_name": "错名", "kinship": "parent", "quota": "500"})
    assert r.status_code == 200 and "姓名" in r.content.decode() and not Relation.objects.exists()
    r = c.post("/pooling/relations/new/", {"beneficiary_id_number": plain_id(parent.person),
                                           "beneficiary_name": parent.person.name, "kinship": "parent",
                                           "quota": "9000"})
    assert r.status_code == 200 and "可用余额" in r.content.decode() and not Relation.objects.exists()
    r = c.post("/pooling/relations/new/", {"beneficiary_id_number": plain_id(parent.person),
                                           "beneficiary_name": parent.person.name, "kinship": "parent",
                                           "quota": "500"})
    assert r.status_code == 302
    rel = Relation.objects.get()
    assert rel.quota == 50000 and rel.status == "pending"
    assert "等待对方确认" in c.get("/pooling/").content.decode()
    c.post(f"/pooling/relations/{rel.pk}/quota/", {"quota": "700.00"})  # a pending request: just the quota
    rel.refresh_from_db()
    worker.account.refresh_from_db()
    assert rel.quota == 70000 and worker.account.reserved == 0
    # the beneficiary sees the request with an accept button, and accepts it
    p = client_for(citizen_user(parent))
    html = p.get("/pooling/").content.decode()
    assert f"/pooling/relations/{rel.pk}/accept/" in html and "同意共济" in html
    assert p.post(f"/pooling/relations/{rel.pk}/accept/").status_code == 302
    rel.refresh_from_db()
    worker.account.refresh_from_db()
    assert rel.status == "active" and worker.account.reserved == 70000
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
    html = c.get("/pooling/spend/").content.decode()
    assert 'name="payment_code"' in html and 'name="relation"' not in html and 'name="beneficiary_id_number"' not in html
    body = {"payment_code": code_for(rel), "category": "medical", "amount": "900.00",
            "occurred_at": "2026-01-05T09:00"}
    r = c.post("/pooling/spend/", body)
    html = r.content.decode()
    assert r.status_code == 200 and services.SPEND_REFUSED in html and "800" not in html.split("</form>")[0]
    assert not Spend.objects.exists()
    r = c.post("/pooling/spend/", {**body, "amount": "88.00"})  # the refused attempt left the code unused
    assert r.status_code == 302
    spend = Spend.objects.get()
    assert spend.amount == 8800 and spend.occurred_at == dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC)
    r = c.post("/pooling/spend/", {**body, "amount": "1.00"})  # used
    assert r.status_code == 200 and services.SPEND_REFUSED in r.content.decode()


def test_payment_code_page_shows_code_qr_and_countdown(pair):
    worker, parent = pair
    rel = relation(worker, parent, 80000)
    p = client_for(citizen_user(parent))
    html = p.get("/pooling/").content.decode()
    assert "出示付款码" in html and f"/pooling/relations/{rel.pk}/payment-code/" in html
    assert p.get(f"/pooling/relations/{rel.pk}/payment-code/").status_code == 405  # each code is a POST
    r = p.post(f"/pooling/relations/{rel.pk}/payment-code/")
    html = r.content.decode()
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    assert "<svg" in html and "payment_code.js" in html and 'data-ttl="300"' in html
    code = html.split('data-code="')[1][:18]
    assert code.isdigit()
    from medical_pooling.models import PaymentCode

    assert PaymentCode.objects.filter(digest=services.payment_code_digest(code)).exists()
    assert code not in "".join(PaymentCode.objects.values_list("digest", flat=True))  # only the hash is kept
    # the pooler cannot show the beneficiary's code
    assert client_for(citizen_user(worker)).post(f"/pooling/relations/{rel.pk}/payment-code/").status_code == 403


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
    spend(institution_user(), rel, 5000, dt.datetime(2026, 1, 5, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))))
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
        spend(hospital, rel, 100, dt.datetime(2026, 1, 5, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))))
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
