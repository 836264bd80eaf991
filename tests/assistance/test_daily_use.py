"""Issue 19, points 1–5: the services and pages behind the daily-use journeys (tests/e2e/test_daily_use_journeys.py)."""

import pytest
from django.test import Client

from assistance import services
from assistance.models import Batch
from tests.factories import plain_id

from . import factories as f

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(user)
    return c


# --------------------------------------------------------------------------- 5. build and payout progress


def test_building_batch_shows_the_build_bar_and_no_payout(caseworker):
    f.household(caseworker)
    batch = services.batch_create(scheme=f.scheme(caseworker), region="610100", actor=caseworker)
    Batch.objects.filter(pk=batch.pk).update(progress=40)
    html = _client(caseworker).get(f"/assistance/batches/{batch.pk}/progress/").content.decode()
    assert "正在后台生成发放名单" in html and 'id="build-progress"' in html and 'aria-valuenow="40"' in html
    assert 'id="payout-progress"' not in html


def test_draft_batch_payout_at_zero_and_no_building_text(caseworker, approver):
    f.household(caseworker, members=2)
    batch = f.built_batch(caseworker, f.scheme(caseworker))
    assert batch.status == Batch.Status.DRAFT and batch.progress == 100 and batch.payout_percent == 0
    html = _client(caseworker).get(f"/assistance/batches/{batch.pk}/").content.decode()
    assert "正在后台生成发放名单" not in html and 'id="build-progress"' not in html
    assert 'id="payout-progress" role="progressbar" aria-label="发放进度" aria-valuenow="0"' in html
    assert "发放名单：已生成 · 对象 2 · 金额 ¥1,600.00" in html
    services.batch_approve(batch=batch, actor=approver)
    batch.refresh_from_db()
    assert batch.payout_percent == 0  # approved: the payout starts from 0, not the build's 100
    services.batch_pay(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.PAID and batch.payout_percent == 100
    html = _client(caseworker).get(f"/assistance/batches/{batch.pk}/").content.decode()
    assert 'aria-valuenow="100"' in html and "尚未发放" not in html


# --------------------------------------------------------------------------- 4. approval: opinion, send back


def test_approve_keeps_the_opinion_in_the_batch_and_the_audit(caseworker, approver):
    from portal.models import AuditEvent

    f.household(caseworker)
    batch = f.built_batch(caseworker, f.scheme(caseworker))
    resp = _client(approver).post(f"/assistance/batches/{batch.pk}/approve/", {"opinion": "名单无误，同意发放。"})
    assert resp.status_code == 302
    batch.refresh_from_db()
    assert batch.status == Batch.Status.APPROVED and batch.approval_opinion == "名单无误，同意发放。"
    event = AuditEvent.objects.filter(action="assistance.batch_approve").latest("id")
    assert event.note == "名单无误，同意发放。" and event.after["opinion"] == "名单无误，同意发放。"


def test_send_back_then_the_maker_fixes_and_resubmits(caseworker, approver, make_user):
    from django.core.exceptions import PermissionDenied, ValidationError

    from assistance.models import Payment, Scheme
    from portal.models import AuditEvent, Role

    hh = f.household(caseworker, members=2)
    scheme = f.scheme(caseworker)
    batch = f.built_batch(caseworker, scheme)
    with pytest.raises(ValidationError):  # a reason is required
        services.batch_return(batch=batch, actor=approver, reason="  ")
    with pytest.raises(PermissionDenied):  # maker-checker: the maker cannot send back (nor approve) their own
        services.batch_return(batch=batch, actor=caseworker, reason="x")
    services.batch_return(batch=batch, actor=approver, reason="赵小明已迁出，请核实")
    batch.refresh_from_db()
    assert batch.status == Batch.Status.RETURNED and batch.return_reason == "赵小明已迁出，请核实"
    assert AuditEvent.objects.filter(action="assistance.batch_return", note="赵小明已迁出，请核实").exists()
    assert Scheme.objects.get(pk=scheme.pk).reserved == 0  # nothing reserved by a send-back
    with pytest.raises(ValidationError):  # a returned batch cannot be approved
        services.batch_approve(batch=batch, actor=approver)
    html = _client(caseworker).get(f"/assistance/batches/{batch.pk}/").content.decode()
    assert "赵小明已迁出，请核实" in html and "修改后重新提交" in html
    other = make_user(Role.CASEWORKER, "610100", username="cw_other")
    with pytest.raises(PermissionDenied):  # only the maker resubmits
        services.batch_resubmit(batch=batch, actor=other)

    # the maker fixes the data (one member more enrolled), resubmits: the list is built again
    f.household(caseworker, members=1)
    services.batch_resubmit(batch=batch, actor=caseworker)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.BUILDING
    assert not Payment.objects.filter(batch=batch).exclude(status=Payment.Status.CANCELLED).exists()
    services.batch_build(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DRAFT and batch.recipient_count == 3
    assert Payment.objects.filter(batch=batch, status=Payment.Status.PENDING).count() == 3
    assert hh.pk in set(Payment.objects.filter(batch=batch, status=Payment.Status.PENDING)
                        .values_list("household_id", flat=True))
    services.batch_approve(batch=batch, actor=approver, opinion="已核实")
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.APPROVED


def test_batch_page_shows_count_amount_in_the_confirmation_and_a_deadline_warning(caseworker, approver):
    import datetime as dt

    from assistance.models import Scheme

    f.household(caseworker, members=2)
    scheme = f.scheme(caseworker)
    Scheme.objects.filter(pk=scheme.pk).update(deadline=dt.date(2020, 1, 10))
    batch = f.built_batch(caseworker, scheme)
    html = _client(approver).get(f"/assistance/batches/{batch.pk}/").content.decode()
    assert "确认审批并开始发放？对象 2 人（户），金额 ¥1,600.00。" in html
    assert 'id="deadline-warning"' in html and "2020年1月10日" in html
    Scheme.objects.filter(pk=scheme.pk).update(deadline=dt.date(2099, 1, 10))
    html = _client(approver).get(f"/assistance/batches/{batch.pk}/").content.decode()
    assert 'id="deadline-warning"' not in html


def test_building_a_batch_for_a_scheme_past_its_deadline_warns(caseworker):
    import datetime as dt

    from assistance.models import Scheme

    scheme = f.scheme(caseworker)
    Scheme.objects.filter(pk=scheme.pk).update(deadline=dt.date(2020, 1, 10))
    c = _client(caseworker)
    form = c.get(f"/assistance/batches/new/?scheme={scheme.pk}").content.decode()
    assert "已过发放截止日期" in form
    resp = c.post("/assistance/batches/new/", {"scheme": scheme.pk, "region": "610100"}, follow=True)
    assert "发放截止日期（2020年1月10日）已过" in resp.content.decode()


# --------------------------------------------------------------------------- 3. enrolment in bulk


def _members_of(*households):
    from assistance.models import Member

    return list(Member.objects.filter(household__in=households, left_on__isnull=True).order_by("pk"))


def test_bulk_enrol_stop_and_end_set_based(caseworker, django_assert_max_num_queries):
    import datetime as dt

    from assistance.models import Enrolment
    from portal.models import AuditEvent

    a = f.household(caseworker, members=2, enrol=False)
    b = f.household(caseworker, members=1, enrol=False, region="610113")
    members = _members_of(a, b)
    with django_assert_max_num_queries(20):  # whatever the selection's size: no per-row queries
        created = services.enrolments_create_bulk(member_ids=[m.pk for m in members], category="dibao",
                                                  monthly_amount=65000, start=dt.date(2026, 1, 1), actor=caseworker)
    assert len(created) == 3
    assert Enrolment.objects.filter(category="dibao", status="active", monthly_amount=65000).count() == 3
    # one audit row per region touched, naming every enrolment
    events = AuditEvent.objects.filter(action="assistance.enrolment_create").order_by("region_code")
    assert [e.region_code for e in events] == ["610112", "610113"]
    assert sorted(i for e in events for i in e.after["enrolments"]) == sorted(e.pk for e in created)

    # a second enrolment from a later date ends the earlier one (history kept)
    services.enrolments_create_bulk(member_ids=[members[0].pk], category="dibao", monthly_amount=70000,
                                    start=dt.date(2026, 3, 1), actor=caseworker)
    old = Enrolment.objects.get(person=members[0].person, monthly_amount=65000)
    assert old.end == dt.date(2026, 2, 28) and old.status == "ended"

    # stop needs a reason; with one, the open rows end on the date
    from django.core.exceptions import ValidationError
    with pytest.raises(ValidationError):
        services.enrolments_end_bulk(member_ids=[members[1].pk], category="dibao", action="stop",
                                     on=dt.date(2026, 4, 30), reason="", actor=caseworker)
    n = services.enrolments_end_bulk(member_ids=[members[1].pk, members[2].pk], category="dibao", action="stop",
                                     on=dt.date(2026, 4, 30), reason="收入超标", actor=caseworker)
    assert n == 2
    stopped = Enrolment.objects.filter(person__in=[members[1].person, members[2].person])
    assert {(e.end, e.status) for e in stopped} == {(dt.date(2026, 4, 30), "ended")}
    assert AuditEvent.objects.filter(action="assistance.enrolment_stop", note="收入超标").count() == 2

    # end: a date ahead keeps the row in force until then
    services.enrolments_end_bulk(member_ids=[members[0].pk], category="dibao", action="end",
                                 on=dt.date(2099, 12, 31), actor=caseworker)
    current = Enrolment.objects.get(person=members[0].person, monthly_amount=70000)
    assert current.end == dt.date(2099, 12, 31) and current.status == "active"


def test_bulk_refuses_the_whole_selection_and_writes_nothing(caseworker, make_user):
    import datetime as dt

    from django.core.exceptions import ValidationError

    from assistance.models import Enrolment
    from portal.models import AuditEvent, Role

    mine = f.household(caseworker, members=1, enrol=False)
    other_cw = make_user(Role.CASEWORKER, "120000", username="cw_tianjin")
    theirs = f.household(other_cw, members=1, enrol=False, region="120101")
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as err:
        services.enrolments_create_bulk(member_ids=[m.pk for m in _members_of(mine, theirs)], category="dibao",
                                        monthly_amount=1000, start=dt.date(2026, 1, 1), actor=caseworker)
    assert "members" in err.value.error_dict
    assert not Enrolment.objects.exists() and AuditEvent.objects.count() == before
    # a member without an open enrolment of that category: nothing stopped
    enrolled = f.household(caseworker, members=1)
    with pytest.raises(ValidationError) as err:
        services.enrolments_end_bulk(member_ids=[m.pk for m in _members_of(mine, enrolled)], category="dibao",
                                     action="stop", reason="测试", actor=caseworker)
    assert "没有可办理" in str(err.value)
    assert Enrolment.objects.get().status == "active"


def test_enrolment_table_shows_names_and_masked_ids_never_the_full_number(caseworker):
    from assistance.models import Member

    hh = f.household(caseworker, members=2)
    c = _client(caseworker)
    html = c.get(f"/assistance/enrolments/?household={hh.pk}").content.decode()
    for m in Member.objects.filter(household=hh).select_related("person"):
        assert m.person.name in html and m.person.masked_id in html
        assert plain_id(m.person) not in html
    assert "城乡低保 ¥500.00" in html
    member = Member.objects.filter(household=hh).first()
    single = c.get(f"/assistance/enrolments/new/?member={member.pk}").content.decode()
    assert plain_id(member.person) not in single and member.person.masked_id in single
    # the page's bulk stop, with the error under the field when the reason is missing
    resp = c.post(f"/assistance/enrolments/?household={hh.pk}", {"members": [member.pk], "action": "stop",
                                                                  "category": "dibao", "on": "2026-05-31"})
    assert resp.status_code == 200 and "请填写停发原因" in resp.content.decode()
    resp = c.post(f"/assistance/enrolments/?household={hh.pk}", {"members": [member.pk], "action": "stop",
                                                                  "category": "dibao", "on": "2026-05-31",
                                                                  "reason": "死亡"})
    assert resp.status_code == 302


def test_enrolment_table_post_refused_to_an_approver(approver, caseworker):
    hh = f.household(caseworker, members=1)
    member = hh.members.first()
    resp = _client(approver).post("/assistance/enrolments/", {"members": [member.pk], "action": "stop",
                                                              "category": "dibao", "on": "2026-05-31", "reason": "x"})
    assert resp.status_code == 403


# --------------------------------------------------------------------------- 1. search: region pickers, payments


def _localities():
    from portal.models import Locality

    Locality.objects.create(code="610112001", name="张家堡街道", kind="street")
    Locality.objects.create(code="610112002", name="谭家街道", kind="street")
    Locality.objects.create(code="610112001001", name="凤城八路社区", kind="community")
    Locality.objects.create(code="610112001002", name="文景社区", kind="community")


def test_region_children_endpoint_walks_down_within_scope(caseworker, client):
    _localities()
    c = _client(caseworker)
    top = c.get("/regions/children/").json()
    assert top["label"] == "区县" and {"code": "610112", "name": "未央区"} in top["children"]
    assert all(r["code"].startswith("6101") for r in top["children"])
    streets = c.get("/regions/children/?parent=610112").json()
    assert streets["label"] == "街道/乡镇" and [r["name"] for r in streets["children"]] == ["张家堡街道", "谭家街道"]
    communities = c.get("/regions/children/?parent=610112001").json()
    assert communities["label"] == "社区/村" and [r["code"] for r in communities["children"]] == [
        "610112001001", "610112001002"]
    assert c.get("/regions/children/?parent=120000").json()["children"] == []  # outside the user's region
    assert c.get("/regions/children/?parent=x'--").json()["children"] == []
    assert client.get("/regions/children/").status_code == 302  # signed in only


def test_household_filter_by_street_and_community(caseworker):
    from assistance.models import Household

    _localities()
    a, b, c_ = (f.household(caseworker, enrol=False) for _ in range(3))
    Household.objects.filter(pk=a.pk).update(locality_id="610112001001")
    Household.objects.filter(pk=b.pk).update(locality_id="610112001")
    Household.objects.filter(pk=c_.pk).update(locality_id="610112002")
    client = _client(caseworker)

    def listed(code):
        html = client.get(f"/assistance/households/?region={code}").content.decode()
        return {h.pk for h in (a, b, c_) if f"/assistance/households/{h.pk}/" in html}

    assert listed("610112001") == {a.pk, b.pk}
    assert listed("610112001001") == {a.pk}
    assert listed("610112002") == {c_.pk}
    assert listed("610112") == {a.pk, b.pk, c_.pk}
    api = client.get("/api/v1/assistance/households/?region=610112001").json()
    assert {r["id"] for r in api["results"]} == {a.pk, b.pk}


def test_payment_list_search_by_name_or_full_id(caseworker, django_assert_max_num_queries):
    from assistance.models import Member, Payment

    hh = f.household(caseworker, members=3)
    f.household(caseworker, members=2)
    batch = f.built_batch(caseworker, f.scheme(caseworker))
    target = Member.objects.filter(household=hh).select_related("person")[1].person
    client = _client(caseworker)
    by_name = client.get(f"/assistance/batches/{batch.pk}/payments/?q={target.name}").content.decode()
    assert by_name.count("<tr>") - 1 == 1 and target.masked_id in by_name
    assert plain_id(target) not in by_name
    by_id = client.get(f"/assistance/batches/{batch.pk}/payments/?q={plain_id(target)}").content.decode()
    assert by_id.count("<tr>") - 1 == 1 and target.masked_id in by_id
    nothing = client.get(f"/assistance/batches/{batch.pk}/payments/?q=无此人").content.decode()
    assert "没有符合条件的发放明细" in nothing
    # a household scheme: the household's payment is found by any member's name
    hscheme = f.scheme(caseworker, unit="household")
    hbatch = f.built_batch(caseworker, hscheme)
    found = client.get(f"/assistance/batches/{hbatch.pk}/payments/?q={target.name}").content.decode()
    assert found.count("<tr>") - 1 == 1
    assert Payment.objects.filter(batch=hbatch).count() == 2
    with django_assert_max_num_queries(12):
        client.get(f"/assistance/batches/{batch.pk}/payments/?q={target.name}")


def test_payment_export_is_an_xlsx_with_masked_ids_and_audited(caseworker):
    import io

    import openpyxl

    from assistance.models import Payment
    from portal.models import AuditEvent

    f.household(caseworker, members=2)
    batch = f.built_batch(caseworker, f.scheme(caseworker))
    Payment.objects.filter(batch=batch).update(reason="=HYPERLINK(\"http://x\")")
    resp = _client(caseworker).get(f"/assistance/batches/{batch.pk}/payments.xlsx?status=pending")
    assert resp.status_code == 200
    assert resp["Content-Disposition"].startswith("attachment") and "xlsx" in resp["Content-Disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active.values)
    assert rows[0][:3] == ("明细编号", "姓名", "身份证号码") and len(rows) == 3
    payments = {p.pk: p for p in Payment.objects.filter(batch=batch)}
    for row in rows[1:]:
        p = payments[row[0]]
        assert row[2] == p.masked_id and p.id_number not in [str(c) for c in row]
        assert row[7] == "800.00" and row[8] == "待发放"
        assert row[10].startswith("'=")  # neutralised, never a formula
    event = AuditEvent.objects.filter(action="assistance.payments_export").get()
    assert event.object_id == str(batch.pk) and event.actor_id == caseworker.pk


# --------------------------------------------------------------------------- 2. the household form


def _form_data(**extra):
    from tests.assistance.factories import new_id

    data = {"region": "610112", "area": "urban", "address": "凤城八路1号", "phone": "", "bank_account": "",
            "locality": "", "members-TOTAL_FORMS": "3", "members-INITIAL_FORMS": "0",
            "members-MIN_NUM_FORMS": "1", "members-MAX_NUM_FORMS": "20",
            "members-0-name": "周永福", "members-0-id_number": new_id(), "members-0-relation": "head",
            "members-0-disability_grade": "1", "members-0-health": "bedridden",
            "members-1-name": "吴秀珍", "members-1-id_number": new_id(), "members-1-relation": "spouse",
            "members-1-disability_grade": "", "members-1-health": "chronic",
            # the third row was added in the browser and left blank: ignored
            "members-2-name": "", "members-2-id_number": "", "members-2-relation": "",
            "members-2-disability_grade": "", "members-2-health": ""}
    data.update(extra)
    return data


def test_household_form_one_row_to_start_no_asterisks_on_optional_rows(caseworker):
    html = _client(caseworker).get("/assistance/households/new/").content.decode()
    assert 'name="members-TOTAL_FORMS" value="1"' in html
    rows = html.split('class="member-row ')
    head_row, template_row = rows[1], rows[2]
    assert head_row.count('aria-hidden="true">*</span>') == 3  # name, ID number, relation
    assert template_row.count('aria-hidden="true">*</span>') == 0 and " required" not in template_row
    assert 'id="member-row-template"' in html and "__prefix__" in html


def test_household_form_saves_locality_phone_disability_and_health(caseworker):
    from assistance.models import Household, Member
    from portal.models import Locality

    Locality.objects.create(code="610112001", name="张家堡街道", kind="street")
    Locality.objects.create(code="610112001001", name="凤城八路社区", kind="community")
    c = _client(caseworker)
    resp = c.post("/assistance/households/new/", _form_data(locality="610112001001", phone="029-88886666"))
    assert resp.status_code == 302, resp.content.decode()[-2000:]
    hh = Household.objects.get()
    assert hh.locality_id == "610112001001" and hh.phone == "029-88886666"
    members = {m.relation: m for m in Member.objects.filter(household=hh)}
    assert len(members) == 2
    assert (members["head"].disability_grade, members["head"].health, members["head"].severe_disability) == (
        "1", "bedridden", True)
    assert (members["spouse"].health, members["spouse"].severe_disability) == ("chronic", False)


def test_household_form_refuses_a_bad_phone_or_a_locality_of_another_district(caseworker):
    from assistance.models import Household
    from portal.models import Locality

    Locality.objects.create(code="610113001", name="小寨路街道", kind="street")
    c = _client(caseworker)
    resp = c.post("/assistance/households/new/", _form_data(phone="12345"))
    assert resp.status_code == 200 and "请填写11位手机号码" in resp.content.decode()
    resp = c.post("/assistance/households/new/", _form_data(locality="610113001"))
    assert resp.status_code == 200 and "所选街道或社区不属于所在区域" in resp.content.decode()
    assert not Household.objects.exists()


def test_load_localities_command(tmp_path):
    from django.core.management import CommandError, call_command

    from portal.models import Locality

    good = tmp_path / "streets.csv"
    good.write_text("代码,名称\n610112001001,凤城八路社区\n610112001,张家堡街道\n", encoding="utf-8")
    call_command("load_localities", str(good))
    assert Locality.objects.get(code="610112001001").parent_id == "610112001"
    assert Locality.objects.get(code="610112001").kind == "street"
    bad = tmp_path / "bad.csv"
    bad.write_text("999999001,无此区县街道\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_localities", str(bad))
