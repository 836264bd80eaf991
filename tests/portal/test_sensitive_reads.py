"""Reads of full personal data write audit rows: the bank file (full ID numbers and accounts), a
certificate PDF, and an administrator opening or editing a person in the admin."""

import pytest

from assistance import services as assistance
from portal.models import AuditEvent, Role
from tests.assistance import factories as af
from tests.skills_training.test_certificates import issue

pytestmark = pytest.mark.django_db


def test_bank_file_download_is_audited(caseworker, approver, client, django_capture_on_commit_callbacks):
    af.household(caseworker, members=1)
    with django_capture_on_commit_callbacks(execute=True):
        batch = af.built_batch(caseworker, af.scheme(caseworker))
        assistance.batch_approve(batch=batch, actor=approver)
    client.force_login(approver)
    response = client.get(f"/assistance/batches/{batch.pk}/bank-file.csv")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    row = AuditEvent.objects.get(action="portal.bank_file_download")
    assert row.actor == approver and row.object_id == str(batch.pk) and row.region_code == batch.region_id


def test_certificate_pdf_is_audited(client, api, make_user):
    trainer = make_user(Role.TRAINING_STAFF, "341600", username="trainer_pdf")
    number = issue(api(trainer))
    client.force_login(trainer)
    assert client.get(f"/training/certificates/{number}/pdf/").status_code == 200
    row = AuditEvent.objects.get(action="portal.certificate_pdf")
    assert row.actor == trainer and row.region_code == "341600"


def test_admin_view_and_edit_of_a_person_are_audited(client, admin_user, person):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    url = f"/admin/portal/person/{person.pk}/change/"
    assert client.get(url).status_code == 200
    viewed = AuditEvent.objects.get(action="portal.person_view")
    assert viewed.actor == admin_user and viewed.object_id == str(person.pk)

    form = {"name": "改名后", "name_pinyin": person.name_pinyin, "phone": "13800138000", "deceased_on": ""}
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    changed = AuditEvent.objects.get(action="portal.person_change")
    assert changed.actor == admin_user and changed.after["name"] == "改名后"
    assert changed.after["phone"] == "*******8000"  # the audit row does not spread the full phone number
    assert "13800138000" not in str(changed.after)
