"""Journey 4: anyone on a phone opens a certificate's QR link (VALID; a revoked one shows REVOKED).
Journey 5: training staff record an assessment with three practical scores, the certificate is issued,
and its PDF is printed."""

import datetime as dt
from urllib.parse import urlsplit

import pytest

from portal.models import Role
from skills_training import services
from skills_training.certificates import verify_url
from skills_training.models import Certificate
from tests.e2e.conftest import goto, login
from tests.skills_training.factories import InstitutionFactory, candidate_id


def issue(trainer, seq, name, institution):
    assessment = services.assessment_record(
        candidate_id_number=candidate_id(seq), candidate_name=name, level=5, years_in_trade=2, theory_score=82,
        practical_scores=[70, 75, 80], institution=institution, sat_on=dt.date(2026, 1, 15), actor=trainer)
    assert assessment.passed
    return assessment.certificate


def qr_path(cert) -> str:
    url = urlsplit(verify_url(cert))
    return f"{url.path}?{url.query}"


@pytest.mark.django_db(transaction=True)
def test_anyone_on_a_phone_verifies_a_certificate_by_its_qr_link(make_page, make_user,
                                                                 celery_worker_for_live_server):
    trainer = make_user(Role.TRAINING_STAFF, "341600", username="e2e_trainer")
    school = InstitutionFactory(name="亳州市药膳职业培训学校")
    valid = issue(trainer, 11, "王建国", school)
    revoked = issue(trainer, 12, "李秀英", school)
    services.certificate_revoke(number=revoked.number, reason="考试舞弊，成绩作废", actor=trainer)

    page, shot = make_page(viewport=(390, 844), mobile=True)
    goto(page, qr_path(valid), "证书查验（二维码）")
    status = page.locator("[data-status]")
    assert status.get_attribute("data-status") == "valid"
    assert status.inner_text().strip() == "证书有效"
    body = page.locator("main").inner_text()
    assert valid.number in body and "王*国" in body and "王建国" not in body  # the holder's name is masked
    assert "2026年1月15日" in body
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot("valid")

    goto(page, qr_path(revoked), "证书查验（已撤销）")
    status = page.locator("[data-status]")
    assert status.get_attribute("data-status") == "revoked"
    assert "已撤销" in status.inner_text() and "REVOKED" not in status.inner_text() and "考试舞弊" not in page.content()
    shot("revoked")

    response = page.goto(qr_path(valid).replace("n=", "n=x"))  # a tampered link
    assert response.status == 404 and page.locator("[data-status]").count() == 0
    assert "二维码无效" in page.locator("main").inner_text()
    shot("tampered")


@pytest.mark.django_db(transaction=True)
def test_training_staff_record_an_assessment_and_print_the_certificate(make_page, make_user,
                                                                       celery_worker_for_live_server):
    make_user(Role.TRAINING_STAFF, "341600", username="e2e_trainer", first_name="陈培训")
    school = InstitutionFactory(name="亳州市药膳职业培训学校")
    page, shot = make_page()
    login(page, "e2e_trainer")
    goto(page, "/training/assessments/new/", "录入技能评价成绩")
    assert page.locator("h1").inner_text() == "录入技能评价成绩"
    page.get_by_label("身份证号码").fill(candidate_id(21))
    page.get_by_label("考生姓名").fill("张桂兰")
    page.get_by_label("申报等级").select_option("5")
    page.get_by_label("从业年限（年）").fill("2")
    page.get_by_label("评价机构").select_option(str(school.pk))
    page.get_by_label("理论知识成绩", exact=False).fill("78")
    # one score out of range first: caught inline, in Chinese
    page.get_by_label("考评员1评分").fill("170")
    page.get_by_label("考评员2评分").fill("74")
    page.get_by_label("考评员3评分").fill("80")
    page.get_by_role("button", name="保存").click()
    assert "100" in page.locator("#id_practical_1 ~ .invalid-feedback").inner_text()
    assert not Certificate.objects.exists()
    shot("score-out-of-range")
    page.get_by_label("考评员1评分").fill("71")
    shot("assessment-form")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/training/certificates/*/")
    assert "证书已颁发" in page.locator(".alert-success").inner_text()
    cert = Certificate.objects.get()
    body = page.locator("main").inner_text()
    assert cert.number in body and "张桂兰" in body and "五级/初级工" in body or "五级" in body
    assert page.locator("svg title", has_text="证书查验二维码").count() == 1
    shot("certificate-issued")

    href = page.get_by_role("link", name="打印证书（PDF）").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    goto(page, "/training/certificates/", "证书列表")
    assert page.locator("tbody tr", has_text=cert.number).count() == 1
    shot("certificate-list")
