"""Household registry through the API and the pages; scoping; fixed query counts; HTML pages."""

import pytest

from assistance import services
from assistance.models import Household, Member
from portal.models import AuditEvent, Person, Role
from tests.factories import id_number_for

from . import factories as f

pytestmark = pytest.mark.django_db

URL = "/api/v1/assistance/households/"


def _body(**kw):
    return {"region": "610112", "area": "urban", "address": "未央区凤城八路1号",
            "members": [{"name": "张三", "id_number": f.new_id(), "relation": "head"},
                        {"name": "李四", "id_number": f.new_id(), "relation": "spouse"}], **kw}


def test_create_household_api(caseworker, api):
    resp = api(caseworker).post(URL, _body(bank_account="6222020200112233445"), format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["id"] and body["bank_account"].endswith("3445") and "*" in body["bank_account"]
    assert len(body["members"]) == 2 and "*" in body["members"][0]["id_number"]
    assert AuditEvent.objects.filter(action="assistance.household_create").count() == 1


def test_bad_id_number_is_400_in_chinese_and_nothing_saved(caseworker, api):
    body = _body()
    bad = body["members"][1]["id_number"]
    body["members"][1]["id_number"] = bad[:17] + ("0" if bad[17] != "0" else "1")
    resp = api(caseworker).post(URL, body, format="json")
    assert resp.status_code == 400
    assert "校验码" in str(resp.json()["members"])
    assert Household.objects.count() == 0 and Person.objects.count() == 0


def test_person_already_in_another_household_is_400(caseworker, api):
    first = _body()
    assert api(caseworker).post(URL, first, format="json").status_code == 201
    second = _body()
    second["members"][1] = {**first["members"][0], "relation": "spouse"}
    resp = api(caseworker).post(URL, second, format="json")
    assert resp.status_code == 400
    assert "另一家庭" in str(resp.json())
    assert Household.objects.count() == 1 and Member.objects.count() == 2
    assert Person.objects.count() == 2  # the new head of the refused household was not kept


def test_household_roles_and_regions(caseworker, approver, outsider, make_user, api):
    assert api(approver).post(URL, _body(), format="json").status_code == 403
    assert api(caseworker).post(URL, _body(region="120101"), format="json").status_code == 403
    insured = make_user(Role.INSURED, None)
    assert api(insured).get(URL).status_code == 403
    assert api().get(URL).status_code == 401
    assert Household.objects.count() == 0


def test_list_is_region_scoped_and_searchable(caseworker, approver, outsider, api):
    mine = f.household(caseworker, enrol=False)
    theirs = f.household(outsider, region="120101", enrol=False)
    assert [h["id"] for h in api(approver).get(URL).json()["results"]] == [mine.pk]
    assert [h["id"] for h in api(outsider).get(URL).json()["results"]] == [theirs.pk]
    assert api(outsider).get(f"{URL}{mine.pk}/").status_code == 404
    head = mine.head
    for term in (head.name, head.id_number, mine.address[2:6]):
        assert api(caseworker).get(URL, {"search": term}).json()["count"] == 1, term
    assert api(caseworker).get(URL, {"search": "不存在的人"}).json()["count"] == 0
    body = api(caseworker).get(URL).json()
    assert {"count", "next", "previous", "results"} <= set(body)


def test_member_move_is_explicit_and_audited(caseworker):
    a = f.household(caseworker, members=2, enrol=False)
    b = f.household(caseworker, members=1, enrol=False)
    person = a.members.exclude(person=a.head).get().person
    services.member_move(person=person, to_household=b, relation="other", actor=caseworker)
    assert Member.objects.get(person=person, left_on__isnull=True).household == b
    assert Member.objects.filter(person=person).count() == 2
    assert AuditEvent.objects.filter(action="assistance.member_move").exists()


@pytest.mark.parametrize("n", [5, 50])
def test_list_page_query_count_constant(caseworker, client, django_assert_max_num_queries, n):
    for _ in range(n):
        f.household(caseworker, members=2, enrol=False)
    client.force_login(caseworker)
    with django_assert_max_num_queries(12):
        resp = client.get("/assistance/households/")
    assert resp.status_code == 200
    assert resp.content.decode().count("/assistance/households/") >= min(n, 50)


@pytest.mark.parametrize("n", [5, 50])
def test_api_list_query_count_constant(caseworker, api, django_assert_max_num_queries, n):
    for _ in range(n):
        f.household(caseworker, members=2, enrol=False)
    with django_assert_max_num_queries(10):
        resp = api(caseworker).get(URL)
    assert resp.json()["count"] == n


def test_html_create_household_inline_chinese_error(caseworker, client):
    client.force_login(caseworker)
    good = id_number_for("610112", seq=777)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    data = {"region": "610112", "area": "rural", "address": "鄠邑区某村", "bank_account": "",
            "members-TOTAL_FORMS": "2", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "1",
            "members-MAX_NUM_FORMS": "20",
            "members-0-name": "王五", "members-0-id_number": bad, "members-0-relation": "head"}
    resp = client.post("/assistance/households/new/", data)
    assert resp.status_code == 200
    assert "身份证号码校验码错误" in resp.content.decode()
    assert Household.objects.count() == 0
    data["members-0-id_number"] = good
    resp = client.post("/assistance/households/new/", data)
    assert resp.status_code == 302
    hh = Household.objects.get()
    assert hh.area == "rural" and hh.head.id_number == good
    page = client.get(f"/assistance/households/{hh.pk}/")
    assert "王五" in page.content.decode() and good not in page.content.decode()


def test_pages_render_for_caseworker_and_are_closed_to_outsiders(caseworker, approver, outsider, make_user, client):
    hh = f.household(caseworker, members=2)
    sch = f.scheme(caseworker)
    batch = f.built_batch(caseworker, sch)
    client.force_login(caseworker)
    for url in ["/assistance/", "/assistance/households/?q=测试&area=urban&region=610112",
                f"/assistance/households/{hh.pk}/", "/assistance/households/new/", "/assistance/enrolments/new/",
                "/assistance/schemes/", "/assistance/schemes/new/", "/assistance/batches/", "/assistance/batches/new/",
                f"/assistance/batches/{batch.pk}/", f"/assistance/batches/{batch.pk}/payments/",
                f"/assistance/batches/{batch.pk}/progress/"]:
        resp = client.get(url)
        assert resp.status_code == 200, url
    detail = client.get(f"/assistance/batches/{batch.pk}/").content.decode()
    assert "按区县汇总" in detail and "¥1,600.00" in detail
    assert "审批并发放" not in detail  # the creator sees no approve button
    client.force_login(approver)
    assert "审批并发放" in client.get(f"/assistance/batches/{batch.pk}/").content.decode()
    assert client.get("/assistance/households/new/").status_code == 403  # approvers do not register
    client.force_login(outsider)
    for url in [f"/assistance/households/{hh.pk}/", f"/assistance/batches/{batch.pk}/",
                f"/assistance/batches/{batch.pk}/payments/", f"/assistance/batches/{batch.pk}/progress/"]:
        assert client.get(url).status_code == 404, url
    assert str(hh.address) not in client.get("/assistance/households/").content.decode()
    client.force_login(make_user(Role.INSURED, None))
    assert client.get("/assistance/households/").status_code == 403


def test_batch_pages_flow(caseworker, approver, client, django_capture_on_commit_callbacks):
    f.household(caseworker, members=1, area="rural")
    sch = f.scheme(caseworker)
    client.force_login(caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/assistance/batches/new/", {"scheme": sch.pk, "region": "610100"})
    assert resp.status_code == 302
    batch_url = resp["Location"]
    poll = client.get(batch_url + "progress/?status=building", HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true"  # it moved on to draft: reload the page
    client.force_login(approver)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(batch_url + "approve/").status_code == 302
    page = client.get(batch_url).content.decode()
    assert "已发放" in page and "¥700.00" in page
    assert client.get(batch_url + "bank-file.csv").status_code == 200


def test_api_outsider_404_on_batch(caseworker, outsider, api):
    f.household(caseworker, members=1)
    batch = f.built_batch(caseworker, f.scheme(caseworker))
    for url in [f"/api/v1/assistance/batches/{batch.pk}/", f"/api/v1/assistance/batches/{batch.pk}/payments/"]:
        assert api(outsider).get(url).status_code == 404
    assert api(outsider).get("/api/v1/assistance/batches/").json()["count"] == 0


def test_filters_on_lists(caseworker, api, client):
    f.household(caseworker, area="urban", region="610112", enrol=False)
    f.household(caseworker, area="rural", region="610113", enrol=False)
    assert api(caseworker).get(URL, {"area": "rural"}).json()["count"] == 1
    assert api(caseworker).get(URL, {"region": "610112"}).json()["count"] == 1
    client.force_login(caseworker)
    page = client.get("/assistance/households/", {"area": "rural"}).content.decode()
    assert "雁塔区" in page and "未央区</td>" not in page
    sch = f.scheme(caseworker, kind="heating", unit="household")
    assert sch.name in client.get("/assistance/schemes/", {"kind": "heating"}).content.decode()
    assert sch.name not in client.get("/assistance/schemes/", {"kind": "one_time"}).content.decode()
    f.built_batch(caseworker, sch)
    assert "没有符合条件的发放批次" in client.get("/assistance/batches/", {"status": "paid"}).content.decode()
    assert sch.name in client.get("/assistance/batches/", {"status": "draft"}).content.decode()
