"""Staff pages: forms reach the same services; lists are scoped; wrong role 403; no login redirects."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from skills_training.models import Assessment, Certificate, ClassEnrolment
from skills_training.services import class_create

from .factories import ASSESS, InstitutionFactory, body, candidate_id

pytestmark = pytest.mark.django_db

PAGES = ["/training/assessments/", "/training/assessments/new/", "/training/certificates/", "/training/institutions/",
         "/training/classes/"]


@pytest.mark.parametrize("url", PAGES)
def test_staff_pages(client, trainer, caseworker, url):
    assert client.get(url).status_code == 302  # login first
    client.force_login(caseworker)
    assert client.get(url).status_code == 403
    client.force_login(trainer)
    assert client.get(url).status_code == 200


def test_assessment_form_issues_certificate(client, trainer):
    client.force_login(trainer)
    data = {"candidate_id_number": candidate_id(3), "candidate_name": "刘洋", "level": 5, "rule_template": "2023",
            "years_in_trade": "2", "diploma": 0, "title": 0, "sat_on": dt.date.today().isoformat(),
            "theory_score": "75", "practical_1": "70", "practical_2": "80", "practical_3": "66"}
    response = client.post("/training/assessments/new/", data)
    assert response.status_code == 302
    cert = Certificate.objects.get()
    assert response["Location"].endswith(f"/training/certificates/{cert.number}/")
    assert cert.holder_name == "刘洋"


def test_assessment_form_shows_service_errors(client, trainer):
    client.force_login(trainer)
    data = {"candidate_id_number": candidate_id(3), "candidate_name": "刘洋", "level": 5, "rule_template": "2023",
            "years_in_trade": "2", "diploma": 0, "title": 0, "sat_on": dt.date.today().isoformat(),
            "theory_score": "75", "practical_1": "70", "practical_2": "80"}
    response = client.post("/training/assessments/new/", data)
    assert response.status_code == 200
    assert "奇数" in response.content.decode()
    assert Assessment.objects.count() == 0


def test_certificate_list_search_and_scope(client, staff_api, trainer, trainer_xian):
    for seq, name in [(1, "王建国"), (2, "李秀英"), (3, "张伟")]:
        assert staff_api.post(ASSESS, body(seq=seq, candidate_name=name), format="json").status_code == 201
    client.force_login(trainer)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/training/certificates/", {"q": "李秀"}).content.decode()
    assert "李秀英" in page and "王建国" not in page
    assert len(ctx) < 12
    client.force_login(trainer_xian)
    assert "没有符合条件的证书" in client.get("/training/certificates/").content.decode()


def test_class_enrolment_and_completion(client, trainer):
    klass = class_create(institution=InstitutionFactory(), name="药膳五级一班", level=5, starts_on=dt.date(2026, 3, 1),
                         ends_on=dt.date(2026, 4, 1), teacher="陈老师", capacity=1, actor=trainer)
    client.force_login(trainer)
    url = f"/training/classes/{klass.pk}/"
    assert client.post(url, {"id_number": candidate_id(4), "name": "赵敏"}).status_code == 302
    full = client.post(url, {"id_number": candidate_id(5), "name": "孙丽"})
    assert "满员" in full.content.decode()
    bad = client.post(url, {"id_number": "123", "name": "孙丽"})
    assert "身份证" in bad.content.decode()
    enrolment = ClassEnrolment.objects.get()
    client.post(f"/training/enrolments/{enrolment.pk}/", {"attendance": 38, "completed": "on"})
    enrolment.refresh_from_db()
    assert enrolment.attendance == 38 and enrolment.completed


def test_nav_items_for_trainer(client, trainer):
    client.force_login(trainer)
    page = client.get("/").content.decode()
    assert "/training/certificates/" in page
