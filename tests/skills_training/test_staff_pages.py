"""Training staff run institutions and classes in the portal (not the Django admin): create and edit pages,
Chinese validation with nothing half-saved, scope, audit; the admin only reads them."""

import datetime as dt

import pytest
from django.test import Client

from portal.models import AuditEvent
from skills_training import services
from skills_training.models import TrainingClass, TrainingInstitution

from .factories import InstitutionFactory, candidate_id

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def class_body(inst, **over):
    data = {"institution": inst.pk, "name": "2026年春季药膳制作师五级班", "level": "5", "starts_on": "2026-03-02",
            "ends_on": "2026-04-24", "teacher": "陈立新", "capacity": "40", "sessions": "60"}
    data.update(over)
    return data


def test_class_create_and_edit_through_pages(trainer):
    inst = InstitutionFactory()
    c = client_for(trainer)
    assert 'href="/training/classes/new/"' in c.get("/training/classes/").content.decode()
    assert inst.name in c.get("/training/classes/new/").content.decode()
    r = c.post("/training/classes/new/", class_body(inst))
    klass = TrainingClass.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/training/classes/{klass.pk}/"
    assert (klass.level.number, klass.capacity, klass.sessions) == (5, 40, 60)
    assert AuditEvent.objects.filter(action="training.class_create").count() == 1
    detail = c.get(f"/training/classes/{klass.pk}/").content.decode()
    assert f'href="/training/classes/{klass.pk}/edit/"' in detail
    services.enrolment_create(training_class=klass, id_number=candidate_id(1), name="王建国", actor=trainer)
    edit = class_body(inst, teacher="刘素珍", capacity="30", sessions="64")
    edit.pop("institution")
    r = c.post(f"/training/classes/{klass.pk}/edit/", edit)
    assert r.status_code == 302
    klass.refresh_from_db()
    assert (klass.teacher, klass.capacity, klass.sessions) == ("刘素珍", 30, 64)
    event = AuditEvent.objects.get(action="training.class_update")
    assert event.before["teacher"] == "陈立新" and event.after["teacher"] == "刘素珍"


def test_class_refusals_in_chinese_change_nothing(trainer):
    inst = InstitutionFactory()
    klass = services.class_create(institution=inst, name="药膳五级一班", level=5, starts_on=dt.date(2026, 3, 1),
                                  ends_on=dt.date(2026, 4, 1), teacher="陈老师", capacity=2, actor=trainer)
    services.enrolment_create(training_class=klass, id_number=candidate_id(1), name="王建国", actor=trainer)
    services.enrolment_create(training_class=klass, id_number=candidate_id(2), name="李秀英", actor=trainer)
    c = client_for(trainer)
    r = c.post("/training/classes/new/", class_body(inst, ends_on="2026-02-01"))
    assert "结业日期不能早于开班日期" in r.content.decode()
    r = c.post("/training/classes/new/", class_body(inst, capacity="0"))
    assert "大于或等于1" in r.content.decode()
    r = c.post("/training/classes/new/", class_body(inst, starts_on="2026-02-30"))
    assert "请输入有效日期" in r.content.decode()
    assert TrainingClass.objects.count() == 1
    base = {"name": "药膳五级一班", "level": "5", "starts_on": "2026-03-01", "ends_on": "2026-04-01",
            "teacher": "陈老师", "capacity": "2", "sessions": "40"}
    for change, message in [({"capacity": "1"}, "容量不能少于已报名人数（2 人）"),
                            ({"level": "4"}, "已有学员报名，不能修改培训等级"),
                            ({"ends_on": "2026-01-01"}, "结业日期不能早于开班日期")]:
        r = c.post(f"/training/classes/{klass.pk}/edit/", {**base, **change})
        assert r.status_code == 200 and message in r.content.decode(), change
    klass.refresh_from_db()
    assert (klass.capacity, klass.level.number, klass.ends_on) == (2, 5, dt.date(2026, 4, 1))
    assert not AuditEvent.objects.filter(action="training.class_update").exists()


def test_institution_edit(trainer):
    inst = InstitutionFactory(evaluator_code="")
    c = client_for(trainer)
    assert f'href="/training/institutions/{inst.pk}/edit/"' in c.get("/training/institutions/").content.decode()
    r = c.post(f"/training/institutions/{inst.pk}/edit/", {"name": "亳州市药膳学校", "evaluator_code": "66001",
                                                            "evaluator_type": "S", "address": ""})
    assert "评价机构代码应为6位数字" in r.content.decode()
    r = c.post(f"/training/institutions/{inst.pk}/edit/", {"name": "亳州市药膳学校", "evaluator_code": "660009",
                                                            "evaluator_type": "S", "address": "药都路1号"})
    assert r.status_code == 302
    inst.refresh_from_db()
    assert (inst.name, inst.evaluator_code, inst.address) == ("亳州市药膳学校", "660009", "药都路1号")
    assert AuditEvent.objects.filter(action="training.institution_update").count() == 1


def test_institution_with_certificates_keeps_its_evaluator_code(trainer):
    from tests.skills_training.test_write_gate import an_assessment

    cert = an_assessment(trainer).certificate
    inst = cert.evaluator
    r = client_for(trainer).post(f"/training/institutions/{inst.pk}/edit/", {
        "name": inst.name, "evaluator_code": "660999", "evaluator_type": "S", "address": ""})
    assert "该机构已颁发证书，评价机构代码不能修改" in r.content.decode()
    assert TrainingInstitution.objects.get(pk=inst.pk).evaluator_code == inst.evaluator_code


def test_scope_and_roles(trainer, trainer_xian, caseworker):
    inst = InstitutionFactory()
    klass = services.class_create(institution=inst, name="药膳五级一班", level=5, starts_on=dt.date(2026, 3, 1),
                                  ends_on=dt.date(2026, 4, 1), teacher="陈老师", actor=trainer)
    other = client_for(trainer_xian)
    assert other.get(f"/training/classes/{klass.pk}/edit/").status_code == 404
    assert other.get(f"/training/institutions/{inst.pk}/edit/").status_code == 404
    r = other.post("/training/classes/new/", class_body(inst))
    assert "培训机构不存在或不在您的管辖范围内" in r.content.decode()
    assert TrainingClass.objects.count() == 1
    for url in ("/training/classes/new/", f"/training/classes/{klass.pk}/edit/",
                f"/training/institutions/{inst.pk}/edit/"):
        assert client_for(caseworker).get(url).status_code == 403


def test_admin_only_reads_institutions_and_classes(admin_user):
    inst = InstitutionFactory()
    c = client_for(admin_user)
    assert c.get("/admin/skills_training/traininginstitution/add/").status_code == 403
    r = c.get(f"/admin/skills_training/traininginstitution/{inst.pk}/change/")
    assert r.status_code == 200 and 'name="_save"' not in r.content.decode()
    assert c.get("/admin/skills_training/trainingclass/add/").status_code == 403
