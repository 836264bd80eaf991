import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assistance.models import Enrolment
from casework import services
from casework.models import Application, ApplicationDocument
from portal.models import AuditEvent

from .factories import household, new_id

URL = "/api/v1/casework/applications/"
PDF = b"%PDF-1.4\n%test\n"


def _intake(api, user, **extra):
    body = {"id_number": new_id(), "name": "张申请", "region": "610112", "category": "dibao",
            "requested_amount": "650.00", "reason": "失业无收入"}
    body.update(extra)
    return api(user).post(URL, body, format="json")


@pytest.mark.django_db
def test_full_flow_intake_review_confirm_creates_enrolment(api, caseworker, caseworker2, approver):
    hh, rows = household(caseworker)
    r = _intake(api, caseworker, id_number=rows[0]["id_number"], name=rows[0]["name"])
    assert r.status_code == 201, r.json()
    app = r.json()
    assert app["status"] == "submitted" and app["requested_amount"] == "650.00"
    assert app["household"] == hh.pk
    assert "********" in app["id_number"]
    pk = app["id"]
    # intake caseworker may not review own intake
    assert api(caseworker).post(f"{URL}{pk}/review/", {}, format="json").status_code == 403
    r = api(caseworker2).post(f"{URL}{pk}/review/", {"note": "入户核查属实"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "reviewed"
    # a caseworker may not confirm (role) -> 403
    assert api(caseworker2).post(f"{URL}{pk}/confirm/", {}, format="json").status_code == 403
    r = api(approver).post(f"{URL}{pk}/confirm/", {"approved_amount": "600.00", "start": "2026-01-01"}, format="json")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["status"] == "confirmed" and body["approved_amount"] == "600.00"
    enrolment = Enrolment.objects.get(pk=body["enrolment"])
    assert enrolment.monthly_amount == 60000 and enrolment.category == "dibao"
    assert AuditEvent.objects.filter(action="casework.application_confirm", object_id=str(pk)).exists()


@pytest.mark.django_db
def test_reviewer_may_not_confirm(api, caseworker, approver, approver2):
    hh, rows = household(caseworker)
    pk = _intake(api, caseworker, id_number=rows[0]["id_number"], name=rows[0]["name"]).json()["id"]
    assert api(approver).post(f"{URL}{pk}/review/", {}, format="json").status_code == 200
    r = api(approver).post(f"{URL}{pk}/confirm/", {}, format="json")
    assert r.status_code == 403
    assert Application.objects.get(pk=pk).status == "reviewed"
    assert api(approver2).post(f"{URL}{pk}/confirm/", {}, format="json").status_code == 200


@pytest.mark.django_db
def test_confirm_before_review_refused(api, caseworker, approver):
    pk = _intake(api, caseworker).json()["id"]
    r = api(approver).post(f"{URL}{pk}/confirm/", {}, format="json")
    assert r.status_code == 400 and "审核" in r.json()["detail"]


@pytest.mark.django_db
def test_reject_needs_reason_and_is_told(api, caseworker, caseworker2):
    pk = _intake(api, caseworker).json()["id"]
    assert api(caseworker).post(f"{URL}{pk}/reject/", {"reason": "收入超标"}, format="json").status_code == 403
    r = api(caseworker2).post(f"{URL}{pk}/reject/", {"reason": ""}, format="json")
    assert r.status_code == 400
    r = api(caseworker2).post(f"{URL}{pk}/reject/", {"reason": "家庭人均收入高于当地低保标准"}, format="json")
    assert r.status_code == 200
    assert r.json()["status"] == "rejected" and r.json()["rejection_reason"].startswith("家庭人均收入")


@pytest.mark.django_db
def test_roles_and_region(api, caseworker, outsider, approver_tj, officer):
    pk = _intake(api, caseworker).json()["id"]
    assert api(officer).get(URL).status_code == 403
    assert api(officer).post(URL, {}, format="json").status_code == 403
    assert api(outsider).get(f"{URL}{pk}/").status_code == 404
    assert api(approver_tj).post(f"{URL}{pk}/review/", {}, format="json").status_code == 404
    assert api(outsider).get(URL).json()["count"] == 0
    # intake into a region outside one's scope -> 403, nothing saved
    before = Application.objects.count()
    assert _intake(api, outsider).status_code == 403
    assert Application.objects.count() == before
    assert api().get(URL).status_code == 401


@pytest.mark.django_db
def test_bad_input_chinese_and_nothing_saved(api, caseworker):
    r = _intake(api, caseworker, id_number="610112199001010010")
    assert r.status_code == 400 and "校验码" in r.json()["id_number"][0]
    r = _intake(api, caseworker, requested_amount="-5")
    assert r.status_code == 400 and "负数" in r.json()["requested_amount"][0]
    assert Application.objects.count() == 0


@pytest.mark.django_db
def test_document_upload_checked(api, caseworker, tmp_path, settings):
    pk = _intake(api, caseworker).json()["id"]
    url = f"{URL}{pk}/documents/"
    ok = api(caseworker).post(url, {"file": SimpleUploadedFile("身份证.pdf", PDF), "kind": "id_card"}, format="multipart")
    assert ok.status_code == 201, ok.json()
    doc = ApplicationDocument.objects.get()
    assert doc.file.name.startswith("casework/documents/") and "身份证" not in doc.file.name
    assert (settings.PRIVATE_ROOT / doc.file.name).exists()  # private: outside MEDIA_ROOT
    assert not (settings.MEDIA_ROOT / doc.file.name).exists()
    exe = api(caseworker).post(url, {"file": SimpleUploadedFile("a.exe", b"MZ\x90\x00")}, format="multipart")
    assert exe.status_code == 400 and "PDF" in exe.json()["file"][0]
    fake = api(caseworker).post(url, {"file": SimpleUploadedFile("a.pdf", b"MZ\x90\x00")}, format="multipart")
    assert fake.status_code == 400 and "不符" in fake.json()["file"][0]
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024))
    r = api(caseworker).post(url, {"file": big}, format="multipart")
    assert r.status_code == 400 and "5 MB" in r.json()["file"][0]
    assert ApplicationDocument.objects.count() == 1


@pytest.mark.django_db
def test_fast_track_shortens_due_dates(api, caseworker, approver):
    services.policy_set(region="610100", normal_days=30, fast_track_days=7, actor=approver)
    r = _intake(api, caseworker, received_on="2026-01-05")
    assert r.json()["due_on"] == "2026-02-04" and r.json()["fast_track"] is False
    services.fast_track_create(region="610100", name="春节快速通道", starts_on=dt.date(2026, 1, 1),
                               ends_on=dt.date(2026, 2, 28), actor=approver)
    assert Application.objects.get(pk=r.json()["id"]).due_on == dt.date(2026, 1, 12)
    r2 = _intake(api, caseworker, received_on="2026-01-20")
    assert r2.json()["due_on"] == "2026-01-27" and r2.json()["fast_track"] is True
    r3 = _intake(api, caseworker, received_on="2026-03-02")
    assert r3.json()["due_on"] == "2026-04-01"


@pytest.mark.django_db
def test_queue_marks_late(api, caseworker):
    _intake(api, caseworker, received_on="2025-10-01")
    _intake(api, caseworker)
    rows = api(caseworker).get(URL).json()["results"]
    assert [r["late"] for r in rows] == [True, False]
    assert api(caseworker).get(URL + "?late=true").json()["count"] == 1


@pytest.mark.django_db
def test_temporary_application_confirm_pays_aid(api, caseworker, caseworker2, approver):
    pk = _intake(api, caseworker, category="temporary", requested_amount="1500.00").json()["id"]
    api(caseworker2).post(f"{URL}{pk}/review/", {}, format="json")
    r = api(approver).post(f"{URL}{pk}/confirm/", {}, format="json")
    assert r.status_code == 200 and r.json()["temporary_aid"]
    aid = api(approver).get(f"/api/v1/casework/temporary-aid/{r.json()['temporary_aid']}/").json()
    assert aid["status"] == "paid" and aid["amount"] == "1500.00" and aid["fast_track"] is False
