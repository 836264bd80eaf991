"""Certificates: national number, concurrent issuance, public verification, revocation, QR page, PDF."""

import datetime as dt
import re
import threading

import pytest
from django.db import connection
from django.utils import timezone

from portal.models import AuditEvent, Role
from portal.services import person_get_or_create
from skills_training.models import Certificate, Level
from skills_training.selectors import qr_token
from skills_training.services import certificate_issue, certificate_number, certificate_reissue

from .factories import ASSESS, VERIFY, InstitutionFactory, body, candidate_id

NUMBER = re.compile(r"^[A-Z]\d{21}$")


def issue(client, seq=1, name="王建国", **over):
    response = client.post(ASSESS, body(seq=seq, candidate_name=name, **over), format="json")
    assert response.status_code == 201, response.json()
    return response.json()["certificate"]["number"]


@pytest.mark.django_db
def test_number_layout(staff_api):
    inst = InstitutionFactory(evaluator_code="341601")
    number = issue(staff_api, institution=inst.code, site_code="7", sat_on="2026-03-02")
    assert NUMBER.match(number)
    assert number == "S" + "341601" + "34" + "007" + "26" + "5" + "0000001"
    assert issue(staff_api, seq=2, name="李芳", institution=inst.code, site_code="7", sat_on="2026-04-01").endswith("0000002")


@pytest.mark.django_db
def test_number_without_institution_uses_region_and_letters(staff_api):
    number = issue(staff_api)
    assert NUMBER.match(number) and number[1:7] == "341600" and number[7:9] == "34"
    assert certificate_number(type_letter="Y", evaluator_code="123456", province="61", site="1", year=2031,
                              level=3, serial=42) == "Y12345661001313" + "0000042"


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuance_never_repeats_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what is tested; SQLite serialises writers anyway")
    level = Level.objects.get(number=5)
    people = [person_get_or_create(id_number=candidate_id(100 + i), name=f"学员{i}") for i in range(12)]
    numbers, errors = [], []
    barrier = threading.Barrier(len(people))

    def work(person):
        from django.db import connection as conn

        try:
            barrier.wait()
            cert = certificate_issue(holder=person, level=level, region_code="341602", issued_on=dt.date(2026, 5, 1),
                                     actor=None)
            numbers.append(cert.number)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=work, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == len(set(numbers)) == 12
    assert sorted(int(n[-7:]) for n in numbers) == list(range(1, 13))
    assert all(NUMBER.match(n) for n in numbers)


@pytest.mark.django_db
def test_verify_valid_anonymous(api, staff_api):
    number = issue(staff_api)
    response = api().get(VERIFY, {"number": number, "name": "王建国"})
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "valid" and data["holder"] == "王*国" and data["level"] == 5
    assert data["occupation"] == "中式烹调师(药膳制作师)"
    assert data["issued_on"] == dt.date.today().isoformat()
    assert "revoke_reason" not in data
    assert api().get(VERIFY, {"number": number.lower(), "name": " 王建国 "}).status_code == 200


@pytest.mark.django_db
def test_verify_wrong_name_or_number_404(api, staff_api):
    number = issue(staff_api)
    wrong = api().get(VERIFY, {"number": number, "name": "王建"})
    assert wrong.status_code == 404 and "未查询到" in wrong.json()["detail"]
    assert api().get(VERIFY, {"number": number[:-1] + "9", "name": "王建国"}).status_code == 404
    assert api().get(VERIFY, {"number": number}).status_code == 400


@pytest.mark.django_db
def test_revoke_then_verify_says_revoked(api, staff_api):
    number = issue(staff_api)
    response = staff_api.post(f"/api/v1/training/certificates/{number}/revoke/", {"reason": "考试舞弊"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    data = api().get(VERIFY, {"number": number, "name": "王建国"}).json()
    assert data["status"] == "revoked" and data["revoked_at"]
    assert "revoke_reason" not in data and "考试舞弊" not in str(data)  # the public sees the status, not why
    again = staff_api.post(f"/api/v1/training/certificates/{number}/revoke/", {"reason": "x"}, format="json")
    assert again.status_code == 400
    assert AuditEvent.objects.filter(action="training.certificate_revoke", object_id=str(
        Certificate.objects.get(number=number).pk)).count() == 1


@pytest.mark.django_db
def test_revoke_needs_reason(staff_api):
    number = issue(staff_api)
    assert staff_api.post(f"/api/v1/training/certificates/{number}/revoke/", {}, format="json").status_code == 400
    assert Certificate.objects.get(number=number).status == "valid"


@pytest.mark.django_db
def test_revoke_permissions(api, staff_api, caseworker, trainer_xian, make_user):
    number = issue(staff_api)
    url = f"/api/v1/training/certificates/{number}/revoke/"
    assert api().post(url, {"reason": "x"}, format="json").status_code == 401
    assert api(caseworker).post(url, {"reason": "x"}, format="json").status_code == 403
    assert api(trainer_xian).post(url, {"reason": "x"}, format="json").status_code == 404
    county = make_user(Role.TRAINING_STAFF, "341602", username="trainer_qc")  # below the issuing city: no
    assert api(county).post(url, {"reason": "x"}, format="json").status_code == 404
    assert Certificate.objects.get(number=number).status == "valid"
    province = make_user(Role.TRAINING_STAFF, "340000", username="trainer_ah")  # above it: yes
    assert api(province).post(url, {"reason": "省级撤销"}, format="json").status_code == 200
    assert Certificate.objects.get(number=number).revoke_reason == "省级撤销"


@pytest.mark.django_db
def test_reissue_keeps_number(staff_api, trainer):
    number = issue(staff_api)
    response = staff_api.post(f"/api/v1/training/certificates/{number}/reissue/", {"reason": "遗失"}, format="json")
    assert response.status_code == 200
    assert response.json()["number"] == number and response.json()["reissue_count"] == 1
    assert "第1次补发" in response.json()["reissue_note"]
    certificate_reissue(number=number, reason="损毁", actor=trainer)
    assert Certificate.objects.get(number=number).reissue_count == 2
    assert Certificate.objects.count() == 1


@pytest.mark.django_db
def test_qr_page_shows_revoked(client, staff_api):
    number = issue(staff_api)
    url = f"/training/verify/{number}/?n={qr_token(number)}"
    page = client.get(url)
    assert page.status_code == 200 and "证书有效" in page.content.decode() and "王*国" in page.content.decode()
    assert "王建国" not in page.content.decode()
    staff_api.post(f"/api/v1/training/certificates/{number}/revoke/", {"reason": "证书信息有误"}, format="json")
    page = client.get(url).content.decode()
    today = timezone.localdate()
    assert "已撤销" in page and "REVOKED" not in page and f"{today.year}年{today.month}月{today.day}日" in page
    assert "证书信息有误" not in page and "撤销原因" not in page  # status only, not the reason
    assert client.get(f"/training/verify/{number}/?n=forged").status_code == 404


@pytest.mark.django_db
def test_verify_page_by_number_and_name(client, staff_api):
    number = issue(staff_api)
    assert client.get("/training/verify/").status_code == 200
    page = client.get("/training/verify/", {"number": number, "name": "王建国"})
    assert page.status_code == 200 and "证书有效" in page.content.decode() and "VALID" not in page.content.decode()
    assert client.get("/training/verify/", {"number": number, "name": "张三"}).status_code == 404


@pytest.mark.django_db
def test_pdf_and_detail_pages(client, staff_api, trainer, caseworker, trainer_xian):
    number = issue(staff_api)
    client.force_login(trainer)
    pdf = client.get(f"/training/certificates/{number}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    detail = client.get(f"/training/certificates/{number}/")
    assert detail.status_code == 200 and "<svg" in detail.content.decode()
    client.force_login(trainer_xian)
    assert client.get(f"/training/certificates/{number}/pdf/").status_code == 404
    client.force_login(caseworker)
    assert client.get(f"/training/certificates/{number}/").status_code == 403


@pytest.mark.django_db
def test_revoke_via_page(client, staff_api, trainer):
    number = issue(staff_api)
    client.force_login(trainer)
    response = client.post(f"/training/certificates/{number}/revoke/", {"revoke-reason": "冒名顶替"})
    assert response.status_code == 302
    cert = Certificate.objects.get(number=number)
    assert cert.status == "revoked" and cert.revoke_reason == "冒名顶替"


@pytest.mark.django_db
def test_verify_page_is_throttled(client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"verify": "3/minute"}}
    codes = [client.get("/training/verify/", {"number": "S1", "name": "x"}).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    cache.clear()


@pytest.mark.django_db
def test_admin_revoke_action_calls_service(client, staff_api, admin_user):
    number = issue(staff_api)
    cert = Certificate.objects.get(number=number)
    client.force_login(admin_user)
    url = "/admin/skills_training/certificate/"
    confirm = client.post(url, {"action": "revoke_selected", "_selected_action": [cert.pk]})
    assert confirm.status_code == 200 and "撤销原因" in confirm.content.decode()
    client.post(url, {"action": "revoke_selected", "_selected_action": [cert.pk], "apply": "1", "reason": "后台撤销"})
    cert.refresh_from_db()
    assert cert.status == "revoked" and cert.revoke_reason == "后台撤销"
    assert AuditEvent.objects.filter(action="training.certificate_revoke").count() == 1
