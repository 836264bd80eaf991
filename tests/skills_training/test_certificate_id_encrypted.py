"""The ID number on a certificate encrypted at rest (portal.pii): the table keeps no plain number, pages and
the API show the masked form, the PDF prints the full number (decrypted for it, the print audited once)."""

import pytest
from django.db import connection

from portal import pii
from portal.models import AuditEvent
from skills_training import certificates as render_cert
from skills_training.models import Certificate

from .factories import candidate_id
from .test_certificates import issue

pytestmark = pytest.mark.django_db


def _raw(number: str) -> dict:
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM skills_training_certificate WHERE number = %s", [number])
        names = [c.name for c in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))


def test_the_certificate_row_holds_no_plain_id_number(staff_api):
    number, plain = issue(staff_api, seq=41), candidate_id(41)
    row = _raw(number)
    assert "id_number" not in row
    text = " ".join(bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v) for v in row.values())
    assert plain not in text and plain[6:14] not in text
    assert row["id_number_masked"] == f"{plain[:6]}********{plain[14:]}"
    assert row["id_number_hmac"] == pii.digest(pii.ID, plain)
    assert pii.decrypt(pii.ID, row["id_number_enc"]) == plain
    assert Certificate.objects.get(id_number=plain).number == number  # an exact lookup still works


def test_pages_show_the_masked_number_and_the_pdf_prints_the_full_one(staff_api, trainer, client):
    number, plain = issue(staff_api, seq=42), candidate_id(42)
    client.force_login(trainer)
    for url in (f"/training/certificates/{number}/", "/training/certificates/"):
        page = client.get(url).content.decode()
        assert plain[:6] + "********" + plain[14:] in page and plain not in page, url
    assert plain not in staff_api.get(f"/api/v1/training/certificates/{number}/").content.decode()
    cert = Certificate.objects.get(number=number)
    assert isinstance(cert.id_number, pii.Sealed) and render_cert._printed_id_number(cert) == plain
    before = AuditEvent.objects.count()
    assert client.get(f"/training/certificates/{number}/pdf/").status_code == 200
    assert AuditEvent.objects.count() == before + 1  # the print, once
