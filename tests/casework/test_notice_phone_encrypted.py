"""The phone number a text message goes to, encrypted at rest on the notice (portal.pii): the table keeps no
plain number; the sender alone gets it in full (decrypted where the message is sent, the send audited)."""

import pytest
from django.db import connection

from casework import services
from casework.models import Notice
from portal import pii
from portal.models import AuditEvent
from portal.services import person_get_or_create

from . import factories as f

pytestmark = pytest.mark.django_db

PHONE = "13812348765"
SENT: list[str] = []


class RecordingSender:
    name = "recording"

    def send(self, *, phone, text):
        SENT.append(phone)
        return "REC-1"


def test_a_notice_keeps_the_phone_encrypted_and_the_sender_gets_it_in_full(caseworker, settings,
                                                                             django_capture_on_commit_callbacks):
    settings.CASEWORK_SMS_SENDER = "tests.casework.test_notice_phone_encrypted.RecordingSender"
    SENT.clear()
    number = f.new_id()
    person = person_get_or_create(id_number=number, name="孙电话", phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        aid = services.temporary_aid_create(id_number=number, name="孙电话", region="610112", kind="emergency",
                                            amount=50000, reason="急病", actor=caseworker)
    n = Notice.objects.get(aid=aid)
    assert n.person_id == person.pk and n.status == "sent" and SENT == [PHONE]
    assert AuditEvent.objects.filter(action="casework.notice_send", object_id=str(n.pk)).exists()
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM casework_notice WHERE id = %s", [n.pk])
        row = dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))
    assert "phone" not in row
    assert PHONE not in " ".join(bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                                 for v in row.values())
    assert row["phone_masked"] == "138****8765" and row["phone_hmac"] == pii.digest(pii.PHONE, PHONE)
    assert pii.decrypt(pii.PHONE, row["phone_enc"]) == PHONE
    assert Notice.objects.get(phone=PHONE).pk == n.pk  # an exact lookup works on the HMAC
