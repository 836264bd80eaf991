"""Application documents live under PRIVATE_ROOT (not MEDIA_ROOT) and leave it only through the checked,
audited download view: staff whose scope holds the application; everyone else gets 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from casework.models import ApplicationDocument
from portal.models import AuditEvent

from .test_applications import PDF, URL, _intake

pytestmark = pytest.mark.django_db


def test_documents_are_private_and_served_only_through_the_checked_view(api, client, caseworker, outsider, settings):
    pk = _intake(api, caseworker).json()["id"]
    r = api(caseworker).post(f"{URL}{pk}/documents/", {"file": SimpleUploadedFile("收入证明.pdf", PDF),
                                                       "kind": "income"}, format="multipart")
    assert r.status_code == 201, r.json()
    doc = ApplicationDocument.objects.get()
    assert (settings.PRIVATE_ROOT / doc.file.name).read_bytes() == PDF
    assert not str(settings.PRIVATE_ROOT).startswith(str(settings.MEDIA_ROOT))
    url = f"/casework/applications/{pk}/documents/{doc.pk}/"

    client.force_login(caseworker)
    page = client.get(f"/casework/applications/{pk}/")
    assert url in page.content.decode()
    got = client.get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert got["Content-Type"] == "application/pdf" and "attachment" in got["Content-Disposition"]
    read = AuditEvent.objects.filter(action="portal.document_download").get()
    assert read.actor == caseworker and read.object_id == str(doc.pk)

    client.force_login(outsider)  # another province: the application is not in scope
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code in (302, 403)
    assert client.get(f"/media/{doc.file.name}").status_code == 404
    assert AuditEvent.objects.filter(action="portal.document_download").count() == 1
