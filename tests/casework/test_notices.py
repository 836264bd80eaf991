"""Notices: applicants and households told of decisions and payments through the pluggable sender, every
message kept with its status and listed on the application's / aid's / household's page."""

import pytest

from casework import notify, services
from casework.models import Notice
from portal.models import Person

from . import factories as f

pytestmark = pytest.mark.django_db


class RefusingSender:
    name = "refusing"

    def send(self, *, phone, text):
        raise notify.SendError("号码为空号")


def _set_phone(number, phone):
    """Through the model: a queryset update() would write only the lookup column of an encrypted field."""
    person = Person.objects.get(id_number=number)
    person.phone = phone
    person.save()


def test_confirmation_and_rejection_are_told(caseworker, caseworker2, approver, client,
                                             django_capture_on_commit_callbacks):
    _hh, rows = f.household(caseworker)
    _set_phone(rows[0]["id_number"], "13800001111")
    with django_capture_on_commit_callbacks(execute=True):
        app = services.application_intake(id_number=rows[0]["id_number"], name=rows[0]["name"], region="610112",
                                          category="dibao", requested_amount=60000, actor=caseworker)
        services.application_review(application=app, actor=caseworker2)
        services.application_confirm(application=app, actor=approver)
    n = Notice.objects.get(application=app)
    assert n.kind == "app_confirmed" and n.status == "sent" and n.sender == "outbox" and "600.00" in n.text
    other = services.application_intake(id_number=f.new_id(), name="无电话", region="610112", category="dibao",
                                        actor=caseworker)
    services.application_reject(application=other, actor=caseworker2, reason="收入超标")
    n2 = Notice.objects.get(application=other)
    assert n2.status == "no_phone" and "收入超标" in n2.text
    client.force_login(caseworker)
    page = client.get(f"/casework/applications/{other.pk}/").content.decode()
    assert "未登记手机号" in page and "不予认定通知" in page


def test_aid_paid_told_failure_kept_and_resent(caseworker, settings, api, django_capture_on_commit_callbacks):
    settings.CASEWORK_SMS_SENDER = "tests.casework.test_notices.RefusingSender"
    number = f.new_id()
    with django_capture_on_commit_callbacks(execute=True):
        aid = services.temporary_aid_create(id_number=number, name="赵临时", region="610112", kind="emergency",
                                            amount=50000, reason="急病", actor=caseworker)
    n = Notice.objects.get(aid=aid)
    assert n.kind == "aid_paid" and n.status == "no_phone"
    r = api(caseworker).post(f"/api/v1/casework/sms/{n.pk}/resend/")
    assert r.status_code == 400 and "手机号" in str(r.json())
    _set_phone(number, "13900002222")
    with django_capture_on_commit_callbacks(execute=True):
        r = api(caseworker).post(f"/api/v1/casework/sms/{n.pk}/resend/")
    n.refresh_from_db()
    assert r.status_code == 200 and n.status == "failed" and n.error == "号码为空号" and n.attempts == 1
    settings.CASEWORK_SMS_SENDER = "casework.notify.ConsoleSender"
    with django_capture_on_commit_callbacks(execute=True):
        api(caseworker).post(f"/api/v1/casework/sms/{n.pk}/resend/")
    n.refresh_from_db()
    assert n.status == "sent" and n.sender == "console" and n.attempts == 2
    data = api(caseworker).get("/api/v1/casework/sms/", {"aid": aid.pk}).json()
    assert data["count"] == 1 and data["results"][0]["status"] == "sent"


def test_a_refused_decision_leaves_no_message(caseworker, caseworker2, approver):
    app = services.application_intake(id_number=f.new_id(), name="甲", region="610112", category="temporary",
                                      requested_amount=0, actor=caseworker)
    services.application_review(application=app, actor=caseworker2)
    with pytest.raises(Exception, match="临时救助金额"):
        services.application_confirm(application=app, actor=approver)
    assert not Notice.objects.exists()
