"""Appeals (申诉 / 复核), issue 21: filed by the person or by staff on their behalf within the time limit,
reviewed by someone other than the decision's maker, decided with the remedy through the owning app (a
stop reinstated with back-pay, an amount corrected, a rejection reviewed again, a spend refunded), a notice,
and overdue ones on the dashboard. Bad input is refused in Chinese and leaves nothing behind."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from appeals import services
from appeals.models import Appeal
from assistance import services as assistance_services
from assistance.models import Enrolment, HouseholdEnrolment, Payment
from casework.models import Application, Notice
from medical_pooling.models import LedgerEntry, Spend
from portal.models import AuditEvent, Role

from . import factories as f

pytestmark = pytest.mark.django_db

CW, AP = Role.CASEWORKER, Role.APPROVER


def lines(batch):
    return {(p.person_id, p.period): p.amount for p in Payment.objects.filter(batch=batch)
            .exclude(status=Payment.Status.CANCELLED)}


def test_a_citizen_contests_a_stop_and_the_upheld_appeal_reinstates_with_back_pay(caseworker, api):
    stopper, other = f.staff(AP, username="ap_stopper"), f.staff(AP, username="ap_reviewer")
    hh, he = f.stopped_enrolment(caseworker, stopper, other)
    member = hh.members.get()
    citizen = f.citizen_of(member.person)
    resp = api(citizen).post("/api/v1/appeals/", {"kind": "stop", "subject": he.pk,
                                                   "grounds": "停发所依据的收入已不存在"}, format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["status"] == "filed" and body["on_behalf"] is False
    assert body["person_id_number"] == member.person.masked_id
    today = timezone.localdate()
    assert body["filing_deadline"] == (today + dt.timedelta(days=60)).isoformat()  # the stop was decided today
    assert body["review_due"] == (today + dt.timedelta(days=60)).isoformat()
    pk = body["id"]
    # the maker of the stop may not review it; a caseworker is not a reviewer
    assert api(stopper).post(f"/api/v1/appeals/{pk}/review/").status_code == 403
    assert api(caseworker).post(f"/api/v1/appeals/{pk}/review/").status_code == 403
    assert Appeal.objects.get(pk=pk).status == "filed"
    assert api(other).post(f"/api/v1/appeals/{pk}/review/").json()["status"] == "under_review"
    resp = api(other).post(f"/api/v1/appeals/{pk}/decide/", {"outcome": "upheld", "reason": "经核实收入未超标"},
                           format="json")
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "upheld" and resp.json()["remedy"]["reinstated_from"] == "2026-02-01"
    he.refresh_from_db()
    assert he.status == HouseholdEnrolment.Status.ACTIVE
    # the next payroll pays March and back-pays February, the month the stop kept unpaid
    mar = assistance_services.payroll_run(region="610100", month="2026-03", on=f.MAR)
    got = lines(mar)
    assert got[(member.person_id, "2026-03")] == 80000
    assert got[(member.person_id, "2026-02-bp03")] == 80000
    assert (member.person_id, "2026-01-bp03") not in got  # January was paid: not again
    notice = Notice.objects.get(pk=Appeal.objects.get(pk=pk).notice_id)
    assert notice.kind == "appeal_decided" and notice.person_id == member.person_id and "申诉成立" in notice.text


def test_the_reviewer_is_never_the_maker_of_the_decision(caseworker):
    approver_a, approver_b = f.staff(AP), f.staff(AP)
    app = f.rejected_application(caseworker, approver_a)
    appeal = services.appeal_file(actor=caseworker, kind="rejection", subject=app, grounds="家庭人口计算错误")
    assert appeal.decided_by_id == approver_a.pk and appeal.on_behalf is True
    with pytest.raises(PermissionDenied, match="原决定作出人不能复核"):
        services.appeal_review_start(appeal=appeal, actor=approver_a)
    appeal.refresh_from_db()
    assert appeal.status == "filed" and appeal.reviewer_id is None
    services.appeal_review_start(appeal=appeal, actor=approver_b)
    # only the reviewer who took it decides
    with pytest.raises(PermissionDenied):
        services.appeal_decide(appeal=appeal, actor=f.staff(AP), outcome="dismissed", reason="维持")
    appeal = services.appeal_decide(appeal=appeal, actor=approver_b, outcome="upheld", reason="重新核算收入")
    app.refresh_from_db()
    assert appeal.status == "upheld" and app.status == Application.Status.SUBMITTED  # reviewed again
    assert app.decided_by_id is None and app.due_on >= timezone.localdate()


def test_a_filing_after_the_time_limit_is_refused_in_chinese_and_saves_nothing(caseworker, api):
    app = f.rejected_application(caseworker, f.staff(AP))
    Application.objects.filter(pk=app.pk).update(decided_at=timezone.now() - dt.timedelta(days=61))
    before = AuditEvent.objects.count()
    resp = api(caseworker).post("/api/v1/appeals/", {"kind": "rejection", "subject": app.pk, "grounds": "不服"},
                                format="json")
    assert resp.status_code == 400
    assert "已超过申诉期限" in resp.json()["filed_on"][0]
    assert not Appeal.objects.exists() and AuditEvent.objects.count() == before


def test_bad_input_is_refused_under_the_field(caseworker, api, client):
    hh, he = f.live_enrolment(caseworker)
    r = api(caseworker).post("/api/v1/appeals/", {"kind": "amount", "subject": he.pk, "grounds": "金额偏低"},
                             format="json")
    assert r.status_code == 400 and r.json()["requested_amount"] == ["请填写请求核定的月救助金额。"]
    r = api(caseworker).post("/api/v1/appeals/", {"kind": "amount", "subject": he.pk, "grounds": "金额偏低",
                                                  "requested_amount": "12.345"}, format="json")
    assert r.status_code == 400 and "requested_amount" in r.json()
    r = api(caseworker).post("/api/v1/appeals/", {"kind": "stop", "subject": he.pk, "grounds": "x"}, format="json")
    assert r.status_code == 400 and "未停发" in r.json()["household_enrolment"][0]
    client.force_login(caseworker)
    r = client.post("/appeals/new/", {"kind": "amount", "subject": he.pk, "grounds": "", "requested_amount": "abc"})
    assert r.status_code == 200
    assert "请填写申诉理由。" in r.content.decode() and "is-invalid" in r.content.decode()
    assert not Appeal.objects.exists()


def test_an_amount_appeal_through_the_pages_is_partly_upheld_and_the_amount_corrected(caseworker, client):
    hh, he = f.live_enrolment(caseworker)
    current = he.monthly_amount
    client.force_login(caseworker)
    r = client.post("/appeals/new/", {"kind": "amount", "subject": he.pk, "grounds": "未计入重病支出",
                                      "requested_amount": "2000.00"})
    assert r.status_code == 302, r.content.decode()
    appeal = Appeal.objects.get()
    assert appeal.decision_amount == current and appeal.requested_amount == 200000
    reviewer = f.staff(AP)
    client.force_login(reviewer)
    assert client.post(f"/appeals/{appeal.pk}/review/").status_code == 302
    # partly upheld needs the amount awarded: refused under the field, nothing changed
    r = client.post(f"/appeals/{appeal.pk}/decide/", {"outcome": "partly_upheld", "reason": "部分支出可扣除"})
    assert r.status_code == 400 and "部分成立须填写核定的月救助金额。" in r.content.decode()
    he.refresh_from_db()
    assert he.monthly_amount == current
    r = client.post(f"/appeals/{appeal.pk}/decide/", {"outcome": "partly_upheld", "reason": "部分支出可扣除",
                                                      "awarded_amount": "1900.00", "effective_from": "2026-02-01"})
    assert r.status_code == 302
    he.refresh_from_db()
    appeal.refresh_from_db()
    assert appeal.status == "partly_upheld" and appeal.awarded_amount == 190000
    assert he.monthly_amount == 190000
    rows = Enrolment.objects.filter(household_enrolment=he, start=dt.date(2026, 2, 1))
    assert sum(r.monthly_amount for r in rows) == 190000
    page = client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "部分成立" in page and ("1,900.00" in page or "1900.00" in page)


def test_a_remedy_refused_leaves_the_appeal_under_review(caseworker):
    stopper, reviewer = f.staff(AP), f.staff(AP)
    _hh, he = f.stopped_enrolment(caseworker, stopper, reviewer)
    appeal = services.appeal_file(actor=caseworker, kind="stop", subject=he, grounds="不服")
    services.appeal_review_start(appeal=appeal, actor=reviewer)
    from django.core.exceptions import ValidationError
    with pytest.raises(ValidationError) as exc:
        services.appeal_decide(appeal=appeal, actor=reviewer, outcome="partly_upheld", reason="部分",
                               effective_from=dt.date(2026, 1, 15))  # before the stop
    assert "恢复日期须晚于原停发日期" in str(exc.value)
    appeal.refresh_from_db()
    he.refresh_from_db()
    assert appeal.status == "under_review" and he.status == "stopped" and appeal.notice_id is None
    assert not Notice.objects.filter(kind="appeal_decided").exists()


def test_an_insured_person_disputes_a_spend_and_the_officer_refunds_it(api):
    spend, hospital = f.disputed_spend()
    beneficiary = f.citizen_of(spend.beneficiary.person)
    resp = api(beneficiary).post("/api/v1/appeals/", {"kind": "spend", "subject": spend.pk,
                                                       "grounds": "当日未在该医院就诊"}, format="json")
    assert resp.status_code == 201, resp.content
    pk = resp.json()["id"]
    civil = f.staff(AP)
    assert api(civil).get(f"/api/v1/appeals/{pk}/").status_code == 404  # spends are the bureau's
    officer = f.staff(Role.INSURANCE_OFFICER)
    assert api(officer).post(f"/api/v1/appeals/{pk}/review/").json()["status"] == "under_review"
    r = api(officer).post(f"/api/v1/appeals/{pk}/decide/", {"outcome": "partly_upheld", "reason": "部分"},
                          format="json")
    assert r.status_code == 400 and "全额退款" in r.json()["outcome"][0]
    r = api(officer).post(f"/api/v1/appeals/{pk}/decide/", {"outcome": "upheld", "reason": "机构误记"},
                          format="json")
    assert r.status_code == 200, r.content
    assert Spend.objects.filter(refund_of=spend, amount=-spend.amount).exists()
    assert LedgerEntry.objects.filter(spend=spend, kind=LedgerEntry.Kind.REFUND).count() == 1
    assert AuditEvent.objects.filter(action="pooling.spend_refund_on_review", actor=officer).exists()


def test_who_may_see_and_file(caseworker, outsider, api, make_user):
    app = f.rejected_application(caseworker, f.staff(AP))
    from tests.factories import PersonFactory

    stranger = f.citizen_of(PersonFactory())
    body = {"kind": "rejection", "subject": app.pk, "grounds": "不服"}
    assert api(stranger).post("/api/v1/appeals/", body, format="json").status_code == 404
    assert api(outsider).post("/api/v1/appeals/", body, format="json").status_code == 404
    assert api(make_user(Role.TRAINING_STAFF, "610100")).post("/api/v1/appeals/", body,
                                                              format="json").status_code == 403
    assert api().get("/api/v1/appeals/").status_code == 401
    applicant = f.citizen_of(app.person)
    pk = api(applicant).post("/api/v1/appeals/", body, format="json").json()["id"]
    # one open appeal per decision
    r = api(caseworker).post("/api/v1/appeals/", body, format="json")
    assert r.status_code == 400 and r.json()["detail"] == "该决定已有正在办理的申诉。"
    assert [a["id"] for a in api(applicant).get("/api/v1/appeals/").json()["results"]] == [pk]
    assert api(stranger).get("/api/v1/appeals/").json()["count"] == 0
    assert api(outsider).get(f"/api/v1/appeals/{pk}/").status_code == 404
    assert api(caseworker).get(f"/api/v1/appeals/{pk}/").status_code == 200
    # the applicant withdraws; a closed appeal cannot be withdrawn again
    assert api(stranger).post(f"/api/v1/appeals/{pk}/withdraw/").status_code == 404
    assert api(applicant).post(f"/api/v1/appeals/{pk}/withdraw/", {"reason": "已与社区沟通"},
                               format="json").json()["status"] == "withdrawn"
    r = api(applicant).post(f"/api/v1/appeals/{pk}/withdraw/")
    assert r.status_code == 400 and "已办结" in str(r.json())


def test_overdue_appeals_show_on_the_dashboard_and_the_list(caseworker, client):
    app = f.rejected_application(caseworker, f.staff(AP))
    Application.objects.filter(pk=app.pk).update(decided_at=timezone.now() - dt.timedelta(days=100))
    app.refresh_from_db()
    appeal = services.appeal_file(actor=caseworker, kind="rejection", subject=app, grounds="不服",
                                  filed_on=timezone.localdate() - dt.timedelta(days=90))
    assert appeal.is_overdue
    client.force_login(caseworker)
    page = client.get("/").content.decode()
    assert "超期未办结的申诉" in page
    listed = client.get("/appeals/?overdue=true").content.decode()
    assert f'href="/appeals/{appeal.pk}/"' in listed and "超期" in listed
    # a citizen may not back-date a filing
    citizen = f.citizen_of(app.person)
    services.appeal_withdraw(appeal=appeal, actor=caseworker)
    from django.core.exceptions import ValidationError
    with pytest.raises(ValidationError):
        services.appeal_file(actor=citizen, kind="rejection", subject=app, grounds="不服",
                             filed_on=timezone.localdate() - dt.timedelta(days=1))


def test_the_citizen_filing_page_lists_their_own_decisions(caseworker, client):
    app = f.rejected_application(caseworker, f.staff(AP))
    citizen = f.citizen_of(app.person)
    client.force_login(citizen)
    page = client.get("/appeals/new/").content.decode()
    assert f"?kind=rejection&subject={app.pk}" in page
    assert "申诉日期" not in page  # a citizen files today
    r = client.post("/appeals/new/", {"kind": "rejection", "subject": app.pk, "grounds": "不服"})
    assert r.status_code == 302
    assert Appeal.objects.get().person_id == app.person_id


@pytest.mark.parametrize("n", [1, 4])
def test_the_list_page_and_api_run_a_constant_number_of_queries(caseworker, client, api, n,
                                                                django_assert_max_num_queries):
    decider = f.staff(AP)
    for _ in range(n):
        services.appeal_file(actor=caseworker, kind="rejection", subject=f.rejected_application(caseworker, decider),
                             grounds="不服")
    client.force_login(caseworker)
    with django_assert_max_num_queries(12):
        page = client.get("/appeals/?q=&status=filed").content.decode()
    assert page.count('href="/appeals/') >= n
    with django_assert_max_num_queries(10):
        assert api(caseworker).get("/api/v1/appeals/?status=filed").json()["count"] == n


def test_an_amount_appeal_names_who_set_the_amount_not_who_touched_the_enrolment_last(caseworker):
    from portal.services import audit

    hh, he = f.live_enrolment(caseworker)
    maker = AuditEvent.objects.filter(object_type=he._meta.label, object_id=str(he.pk),
                                      action="assistance.household_enrol").latest("id").actor
    # a later event on the same enrolment, without an actor (a nightly job's review)
    audit(actor=None, action="assistance.review_complete", obj=he, region_code=he.region_id)
    appeal = services.appeal_file(actor=caseworker, kind="amount", subject=he, grounds="未计入重病支出",
                                  requested_amount=200000)
    assert appeal.decided_by_id == maker.pk
    if maker.role == AP:
        with pytest.raises(PermissionDenied):
            services.appeal_review_start(appeal=appeal, actor=maker)


def test_the_appeal_search_box_takes_the_last_four_of_the_id_number(caseworker, api, client):
    hh, he = f.live_enrolment(caseworker)
    r = api(caseworker).post("/api/v1/appeals/", {"kind": "amount", "subject": he.pk, "grounds": "金额偏低",
                                                  "requested_amount": "900.00"}, format="json")
    assert r.status_code == 201, r.json()
    appeal = Appeal.objects.get()
    tail = appeal.person.id_last4
    other = "0000" if tail != "0000" else "1111"
    assert [a["id"] for a in api(caseworker).get("/api/v1/appeals/", {"q": tail.lower()}).json()["results"]] \
        == [appeal.pk]
    assert api(caseworker).get("/api/v1/appeals/", {"q": other}).json()["results"] == []
    client.force_login(caseworker)
    html = client.get("/appeals/", {"q": tail}).content.decode()
    assert f"/appeals/{appeal.pk}/" in html and "姓名、身份证号码或后四位、理由" in html
    assert api(caseworker).get("/api/v1/appeals/", {"q": "金额偏低"}).json()["results"][0]["id"] == appeal.pk
