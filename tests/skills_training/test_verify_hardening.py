"""Public verification shows the status (and its date), never a revocation's reason; QR tokens signed with
an old SECRET_KEY still verify after a rotation while that key is listed in SECRET_KEY_FALLBACKS."""

import pytest

from skills_training.selectors import qr_token

from .factories import VERIFY
from .test_certificates import issue

pytestmark = pytest.mark.django_db

OLD_KEY = "old-key-" + "o" * 60
NEW_KEY = "new-key-" + "n" * 60


def test_verification_page_and_api_show_status_not_reason(api, client, staff_api):
    number = issue(staff_api)
    staff_api.post(f"/api/v1/training/certificates/{number}/revoke/", {"reason": "冒名顶替，私人原因"}, format="json")
    data = api().get(VERIFY, {"number": number, "name": "王建国"}).json()
    assert data["status"] == "revoked" and "revoke_reason" not in data and "冒名顶替" not in str(data)
    page = client.get("/training/verify/", {"number": number, "name": "王建国"}).content.decode()
    assert 'data-status="revoked"' in page and "冒名顶替" not in page and "撤销原因" not in page
    page = client.get(f"/training/verify/{number}/?n={qr_token(number)}").content.decode()
    assert 'data-status="revoked"' in page and "冒名顶替" not in page


def test_qr_token_signed_with_an_old_key_verifies_after_rotation(client, staff_api, settings):
    number = issue(staff_api)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OLD_KEY, []
    printed = qr_token(number)  # the QR code printed on the certificate before the rotation
    url = f"/training/verify/{number}/?n={printed}"
    assert client.get(url).status_code == 200

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]  # rotated, old key kept
    assert qr_token(number) != printed  # new certificates are signed with the new key
    page = client.get(url)
    assert page.status_code == 200 and 'data-status="valid"' in page.content.decode()
    assert client.get(f"/training/verify/{number}/?n={qr_token(number)}").status_code == 200

    settings.SECRET_KEY_FALLBACKS = []  # the old key retired: its tokens stop working
    assert client.get(url).status_code == 404
    assert client.get(f"/training/verify/{number}/?n=forged").status_code == 404
