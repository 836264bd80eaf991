"""API tokens: a code for users with a device, a new hashed token per sign-in, expiry, revocation at
logout, throttles, and client addresses from PORTAL_TRUSTED_PROXIES."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from portal import twofactor
from portal.models import ApiToken, AuditEvent
from tests.factories import totp_code, wrong_totp_code

PASSWORD = "pass12345!"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def no_device_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def ask(api, user, **extra):
    return api().post(TOKEN_URL, {"username": user.username, "password": PASSWORD, **extra}, format="json")


def authed(api, token):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.mark.django_db
def test_a_user_with_a_device_gets_no_token_without_the_code_or_with_a_wrong_one(api, approver, no_device_throttle):
    twofactor.set_totp_secret(approver, SECRET)
    missing = ask(api, approver)
    assert missing.status_code == 400 and "otp" in missing.json() and "token" not in missing.json()
    wrong = ask(api, approver, otp=wrong_totp_code(SECRET))
    assert wrong.status_code == 400 and "otp" in wrong.json()
    assert not ApiToken.objects.exists()
    right = ask(api, approver, otp=totp_code(SECRET))
    assert right.status_code == 200
    me = authed(api, right.json()["token"]).get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["role"] == "approver"


@pytest.mark.django_db
def test_a_wrong_password_with_a_right_code_gets_nothing(api, approver):
    twofactor.set_totp_secret(approver, SECRET)
    resp = api().post(TOKEN_URL, {"username": approver.username, "password": "nope", "otp": totp_code(SECRET)},
                      format="json")
    assert resp.status_code == 400 and not ApiToken.objects.exists()


@pytest.mark.django_db
def test_a_required_role_without_a_device_gets_no_token_where_the_deployment_says_so(api, approver, caseworker,
                                                                                   settings):
    assert ask(api, approver).status_code == 200  # shared/API.md's default: a password until enrolled
    settings.PORTAL_OTP_API_REQUIRES_DEVICE = True
    resp = ask(api, approver)
    assert resp.status_code == 400 and "otp" in resp.json()
    assert ask(api, caseworker).status_code == 200  # a role that may go without


@pytest.mark.django_db
def test_every_sign_in_gives_a_new_token_stored_only_as_a_digest(api, caseworker):
    first, second = ask(api, caseworker).json()["token"], ask(api, caseworker).json()["token"]
    assert first != second
    stored = list(ApiToken.objects.filter(user=caseworker).values_list("digest", flat=True))
    assert len(stored) == 2 and first not in stored and second not in stored
    assert all(authed(api, t).get("/api/v1/me/").status_code == 200 for t in (first, second))


@pytest.mark.django_db
def test_web_logout_revokes_the_users_tokens(api, caseworker):
    token = ask(api, caseworker).json()["token"]
    browser = Client()
    assert browser.login(username=caseworker.username, password=PASSWORD)
    assert authed(api, token).get("/api/v1/me/").status_code == 200
    browser.post(reverse("logout"))
    assert authed(api, token).get("/api/v1/me/").status_code == 401


@pytest.mark.django_db
def test_an_admin_revokes_a_token_and_it_is_audited(api, caseworker, admin_user, client):
    token = ask(api, caseworker).json()["token"]
    row = ApiToken.objects.get(user=caseworker)
    assert row.prefix == token[:8]
    client.force_login(admin_user)
    page = client.get(f"/admin/portal/apitoken/{row.pk}/change/").content.decode()
    assert row.prefix in page and token[8:] not in page and row.digest not in page
    resp = client.post("/admin/portal/apitoken/", {"action": "revoke_selected", "_selected_action": [row.pk]})
    assert resp.status_code == 302
    assert authed(api, token).get("/api/v1/me/").status_code == 401
    assert AuditEvent.objects.filter(action="user.api_token_revoked", object_id=str(caseworker.pk)).exists()


@pytest.mark.django_db
def test_an_expired_token_is_401(api, caseworker, settings):
    settings.PORTAL_API_TOKEN_TTL_SECONDS = 0
    token = ask(api, caseworker).json()["token"]
    assert authed(api, token).get("/api/v1/me/").status_code == 401
    settings.PORTAL_API_TOKEN_TTL_SECONDS = 3600
    fresh = ask(api, caseworker)
    assert fresh.json()["expiry"] and authed(api, fresh.json()["token"]).get("/api/v1/me/").status_code == 200


@pytest.mark.django_db
def test_a_deactivated_users_token_is_401(api, caseworker):
    token = ask(api, caseworker).json()["token"]
    caseworker.is_active = False
    caseworker.save()
    assert authed(api, token).get("/api/v1/me/").status_code == 401


@pytest.mark.django_db
def test_the_token_endpoint_is_throttled_per_address_and_per_username(api, caseworker, make_user, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                                                          "auth_token": "3/minute"}}
    codes = [ask(api, caseworker).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # the same username from another address: still refused (per username)
    elsewhere = api().post(TOKEN_URL, {"username": caseworker.username, "password": PASSWORD}, format="json",
                           REMOTE_ADDR="10.9.8.7")
    assert elsewhere.status_code == 429
    # another username from the first address: refused too (per address)
    other = make_user(username="cw_other")
    assert ask(api, other).status_code == 429


@pytest.mark.django_db
def test_a_forged_x_forwarded_for_does_not_escape_the_verify_throttle(client, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "verify", "3/minute")
    url = "/api/v1/training/certificates/verify/?number=S0000000000000001&name=张三"
    codes = [client.get(url, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(4)]
    assert codes[:3] == [404, 404, 404] and codes[3] == 429


@pytest.mark.django_db
def test_behind_a_proxy_the_verify_throttle_counts_the_client_address(client, monkeypatch, settings):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "verify", "3/minute")
    settings.PORTAL_TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    url = "/api/v1/training/certificates/verify/?number=S0000000000000001&name=张三"
    same = [client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9", REMOTE_ADDR="10.0.0.1").status_code
            for _ in range(4)]
    assert same[3] == 429
    others = {client.get(url, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}", REMOTE_ADDR="10.0.0.1").status_code
              for i in range(20, 24)}
    assert others == {404}


@pytest.mark.django_db
def test_the_login_lockout_behind_a_proxy_locks_the_client_not_the_proxy(caseworker, settings):
    settings.AXES_ENABLED = True
    settings.PORTAL_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    attacker, owner = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.66"), Client(
        **proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
    for _ in range(5):
        attacker.post(reverse("login"), {"username": caseworker.username, "password": "wrong"})
    locked = attacker.post(reverse("login"), {"username": caseworker.username, "password": PASSWORD})
    assert locked.status_code == 429
    ok = owner.post(reverse("login"), {"username": caseworker.username, "password": PASSWORD})
    assert ok.status_code == 302 and "_auth_user_id" in owner.session


@pytest.mark.django_db
def test_without_a_proxy_a_forged_x_forwarded_for_does_not_escape_the_login_lockout(caseworker, settings):
    settings.AXES_ENABLED = True
    client = Client(REMOTE_ADDR="198.51.100.66")
    for i in range(5):
        client.post(reverse("login"), {"username": caseworker.username, "password": "wrong"},
                    HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    locked = client.post(reverse("login"), {"username": caseworker.username, "password": PASSWORD},
                         HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert locked.status_code == 429
