"""A sitting's results as a whole: tickets, a score sheet imported all or nothing with a per-row report, each
practical score kept with its assessor, the results published for a notice period (公示), objections that
hold a certificate, certificates issued after the period; a revoked certificate offers no PDF."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from portal.roles import Role
from skills_training import services
from skills_training.models import Assessment, AssessorScore, Certificate, Objection

from .factories import BOZHOU, InstitutionFactory, candidate_id

pytestmark = pytest.mark.django_db
PANEL = ["张评委", "李评委", "王评委"]


@pytest.fixture
def staff(make_user):
    return make_user(Role.TRAINING_STAFF, BOZHOU, username="trainer_bz")


@pytest.fixture
def sitting(staff):
    services.assessor_create(name="张评委", id_number=candidate_id(90), region_code="341602",
                             qualification_no="KPY-001", levels=[5, 4], valid_until=dt.date(2030, 1, 1), actor=staff)
    return services.sitting_create(level=5, sat_on=dt.date(2026, 5, 1), invigilators=["周监考"], assessors=PANEL,
                                   institution=InstitutionFactory(), actor=staff)


def sheet(*rows) -> bytes:
    lines = ["身份证号码,姓名,从业年限,理论成绩," + ",".join(PANEL)] + [",".join(map(str, r)) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


GOOD = [(candidate_id(1), "王建国", 2, 80, 70, 75, 80), (candidate_id(2), "李芳", 3, 90, 50, 55, 52)]


def _import(sitting, staff, data):
    rows = services.score_sheet_rows(data, "scores.csv", sitting)
    return services.sitting_results_import(sitting=sitting, rows=rows, actor=staff)


def test_a_score_sheet_is_all_or_nothing_with_a_per_row_report(sitting, staff):
    bad = GOOD + [(candidate_id(3), "赵敏", 2, 101, 70, 70, 70), (candidate_id(1), "王建国", 2, 80, 70, 70, 70)]
    with pytest.raises(ValidationError) as exc:
        _import(sitting, staff, sheet(*bad))
    report = exc.value.message_dict["file"]
    assert report[0].startswith("第 4 行") and "0到100" in report[0]
    assert report[1].startswith("第 5 行") and "重复" in report[1]
    assert not Assessment.objects.exists() and not AssessorScore.objects.exists()
    assert _import(sitting, staff, sheet(*GOOD)) == 2
    # held: no certificate before the notice period; each practical score with its assessor
    assert not Certificate.objects.exists()
    scores = AssessorScore.objects.filter(assessment__candidate_name="王建国").order_by("position")
    assert [s.assessor for s in scores] == PANEL and scores[0].assessor_ref.qualification_no == "KPY-001"


def test_a_sheet_missing_an_assessor_column_is_refused(sitting, staff):
    data = "身份证号码,姓名,从业年限,理论成绩,张评委,李评委\n".encode()
    with pytest.raises(ValidationError) as exc:
        services.score_sheet_rows(data, "x.csv", sitting)
    assert "王评委" in exc.value.message_dict["file"][0]


def test_publish_notice_objection_then_issue(sitting, staff):
    _import(sitting, staff, sheet(*GOOD, (candidate_id(4), "孙丽", 2, 85, 80, 80, 80)))
    friday = dt.datetime(2026, 5, 8, 2, tzinfo=dt.UTC)  # 10:00 Beijing, a Friday
    services.sitting_results_publish(sitting=sitting, actor=staff, now=friday)
    sitting.refresh_from_db()
    assert sitting.notice_until == dt.date(2026, 5, 15)  # 5 working days
    sun = Assessment.objects.get(candidate_name="孙丽")
    objection = services.objection_record(assessment=sun, raised_by="同场考生", reason="考评员与考生系亲属",
                                          actor=staff, today=dt.date(2026, 5, 11))
    with pytest.raises(ValidationError):  # not before the period has passed
        services.sitting_certificates_issue(sitting=sitting, actor=staff, today=dt.date(2026, 5, 15))
    issued = services.sitting_certificates_issue(sitting=sitting, actor=staff, today=dt.date(2026, 5, 18))
    assert [c.holder_name for c in issued] == ["王建国"]  # 李芳 failed, 孙丽 held by the objection
    sitting.refresh_from_db()
    assert sitting.certificates_issued_at is None  # an open objection still holds one
    services.objection_resolve(objection=objection, upheld=False, resolution="复核无关联", actor=staff)
    assert services.sittings_issue_due(today=dt.date(2026, 5, 19)) == 1  # the daily job issues the rest
    sitting.refresh_from_db()
    assert sitting.certificates_issued_at is not None
    assert set(Certificate.objects.values_list("holder_name", flat=True)) == {"王建国", "孙丽"}
    with pytest.raises(ValidationError):  # after the period no more objections
        services.objection_record(assessment=sun, raised_by="x", reason="y", actor=staff, today=dt.date(2026, 5, 20))
    assert Objection.objects.get().status == "dismissed"


def test_an_upheld_objection_withholds_the_certificate(sitting, staff):
    _import(sitting, staff, sheet(GOOD[0]))
    services.sitting_results_publish(sitting=sitting, actor=staff, now=dt.datetime(2026, 5, 8, 2, tzinfo=dt.UTC))
    a = Assessment.objects.get()
    o = services.objection_record(assessment=a, raised_by="举报人", reason="替考", actor=staff,
                                  today=dt.date(2026, 5, 9))
    services.objection_resolve(objection=o, upheld=True, resolution="查实替考", actor=staff)
    assert services.sitting_certificates_issue(sitting=sitting, actor=staff, today=dt.date(2026, 5, 18)) == []
    assert not Certificate.objects.exists()


def test_tickets_and_the_trainer_pages(sitting, staff):
    c = Client()
    c.force_login(staff)
    url = f"/training/sittings/{sitting.pk}/"
    r = c.post(url, {"action": "admit", "id_number": candidate_id(1), "name": "王建国"})
    assert r.status_code == 302
    tickets = c.get(url + "tickets/").content.decode()
    assert "准考证" in tickets and "20260501" in tickets and "王建国" in tickets
    bad = SimpleUploadedFile("s.csv", sheet(GOOD[0], (candidate_id(2), "李芳", 3, 90, 50, 55, 52)))
    r = c.post(url, {"action": "import", "file": bad})
    assert r.status_code == 400 and "第 3 行" in r.content.decode() and "未报名" in r.content.decode()
    assert not Assessment.objects.exists()
    r = c.post(url, {"action": "import", "file": SimpleUploadedFile("s.csv", sheet(GOOD[0]))})
    assert r.status_code == 302
    r = c.post(url, {"action": "publish", "notice_working_days": "5"})
    assert r.status_code == 302
    html = c.get(url).content.decode()
    assert "成绩公示中" in html and "张评委 70" in html
    assert c.get("/training/sittings/").status_code == 200 and c.get("/training/assessors/").status_code == 200


def test_the_api_runs_a_sitting(api, sitting, staff, make_user):
    base = f"/api/v1/training/sittings/{sitting.pk}/results/"
    client = api(staff)
    upload = SimpleUploadedFile("s.xlsx", b"not a workbook")
    r = client.post(base, {"action": "import", "file": upload}, format="multipart")
    assert r.status_code == 400
    r = client.post(base, {"action": "import", "file": SimpleUploadedFile("s.csv", sheet(*GOOD))}, format="multipart")
    assert r.status_code == 200 and len(r.json()["results"]) == 2
    assert r.json()["results"][0]["scores"][0] == {"assessor": "张评委", "score": "70.00"}
    r = client.post(base, {"action": "publish"}, format="json")
    assert r.status_code == 200 and r.json()["notice_until"]
    r = client.post(base, {"action": "issue"}, format="json")
    assert r.status_code == 400 and "公示期" in str(r.json())
    tianjin = make_user(Role.TRAINING_STAFF, "120000", username="trainer_tj")
    assert api(tianjin).get(base).status_code == 404


def test_a_revoked_certificate_offers_no_pdf(staff):
    a = services.assessment_record(candidate_id_number=candidate_id(5), candidate_name="刘洋", level=5,
                                   years_in_trade=2, theory_score=80, practical_scores=[70, 75, 80],
                                   institution=InstitutionFactory(), actor=staff)
    number = a.certificate.number
    services.certificate_revoke(number=number, reason="考试舞弊", actor=staff)
    c = Client()
    c.force_login(staff)
    assert c.get(f"/training/certificates/{number}/pdf/").status_code == 410
    assert f"/training/certificates/{number}/pdf/" not in c.get(f"/training/certificates/{number}/").content.decode()
