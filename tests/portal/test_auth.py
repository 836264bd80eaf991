"""Sign-in with a second factor (TOTP), recovery codes, and the pages that refuse until the code is given.

These tests sign in through the login page (not `force_login`, which tests/conftest.py makes skip the
second factor for everyone else's page tests)."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import twofactor
from portal.models import Role
from tests.factories import totp_code, wrong_totp_code

PASSWORD = "pass12345!"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ROLE_PAGE = "/assistance/households/"


def sign_in(client: Client, user, next_url: str = "/"):
    """Password step through the login page; returns the response after following redirects."""
    return client.post(f"{reverse('login')}?next={next_url}",
                       {"username": user.username, "password": PASSWORD, "next": next_url}, follow=True)


def which_page(response) -> str:
    """What came back, for a failed assertion: status, templates, language and any form errors."""
    context = response.context or {}
    form = context.get("form") if hasattr(context, "get") else None
    return (f"{response.status_code} {[t.name for t in response.templates]} "
            f"lang={response.get('Content-Language')} errors={getattr(form, 'errors', None)}")


@pytest.fixture
def no_device_throttle(settings):
    """django-otp makes a device wait (1 s, doubling) after a wrong code; these tests retry at once."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.mark.django_db
def test_a_required_role_without_a_device_is_sent_to_enrolment_and_cannot_open_role_pages(client, approver):
    page = sign_in(client, approver)
    assert page.redirect_chain[-1][0].startswith(reverse("otp-setup"))
    assert "两步验证" in page.content.decode()
    refused = client.get(ROLE_PAGE)
    assert refused.status_code == 302 and refused["Location"].startswith(reverse("otp-setup"))
    assert "next=%2Fassistance%2Fhouseholds%2F" in refused["Location"]
    # the dashboard and the session-authenticated API refuse too; the public certificate check does not
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/me/").status_code in (401, 403)
    assert client.get("/training/verify/").status_code == 200
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_the_django_admin_refuses_an_admin_until_the_second_factor(client, admin_user):
    sign_in(client, admin_user)
    refused = client.get("/admin/")
    assert refused.status_code == 302 and refused["Location"].startswith(reverse("otp-setup"))


@pytest.mark.django_db
def test_role_required_refuses_even_without_the_middleware(client, approver, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "portal.twofactor.SecondFactorMiddleware"]
    sign_in(client, approver)
    refused = client.get(ROLE_PAGE)
    assert refused.status_code == 302 and refused["Location"].startswith(reverse("otp-setup"))


@pytest.mark.django_db
def test_enrolment_refuses_a_wrong_code_and_with_the_right_one_shows_recovery_codes_once(
        client, approver, no_device_throttle):
    sign_in(client, approver)
    page = client.get(reverse("otp-setup"))
    html = page.content.decode()
    assert "<svg" in html and "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    secret = page.context["secret"].replace(" ", "")
    assert secret in html.replace(" ", "")

    wrong = wrong_totp_code(secret)
    refused = client.post(reverse("otp-setup"), {"otp_token": wrong, "next": ROLE_PAGE})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode(), which_page(refused)
    assert not TOTPDevice.objects.filter(user=approver).exists()
    assert client.get(ROLE_PAGE).status_code == 302

    done = client.post(reverse("otp-setup"), {"otp_token": totp_code(secret), "next": ROLE_PAGE})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in done.content.decode() for code in codes)
    device = TOTPDevice.objects.get(user=approver)
    assert device.confirmed and device.bin_key.hex() == twofactor.parse_base32(secret).hex()
    assert client.get(ROLE_PAGE).status_code == 200
    # shown once: the page of an enrolled user shows how many are left, not the codes
    again = client.get(reverse("otp-setup")).content.decode()
    assert "本账户已启用两步验证" in again and not any(code in again for code in codes)


@pytest.mark.django_db
def test_later_sign_ins_ask_for_the_code(approver, no_device_throttle):
    twofactor.set_totp_secret(approver, SECRET)
    client = Client()
    page = sign_in(client, approver, ROLE_PAGE)
    assert page.redirect_chain[-1][0].startswith(reverse("otp-verify"))
    assert client.get(ROLE_PAGE).status_code == 302
    wrong = wrong_totp_code(SECRET)
    refused = client.post(reverse("otp-verify"), {"otp_token": wrong, "next": ROLE_PAGE})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode(), which_page(refused)
    assert client.get(ROLE_PAGE).status_code == 302
    ok = client.post(reverse("otp-verify"), {"otp_token": totp_code(approver), "next": ROLE_PAGE})
    assert ok.status_code == 302 and ok["Location"] == ROLE_PAGE
    assert client.get(ROLE_PAGE).status_code == 200
    # a code is good once: a second browser cannot reuse it
    other = Client()
    sign_in(other, approver)
    used = totp_code(approver, fresh=False)
    assert other.post(reverse("otp-verify"), {"otp_token": used}).status_code == 200
    assert other.get(ROLE_PAGE).status_code == 302


@pytest.mark.django_db
def test_a_recovery_code_works_once(approver, no_device_throttle):
    twofactor.set_totp_secret(approver, SECRET)
    codes = twofactor.make_recovery_codes(approver)
    first = Client()
    sign_in(first, approver)
    ok = first.post(reverse("otp-verify"), {"otp_token": codes[0].upper(), "next": ROLE_PAGE}, follow=True)
    assert ok.redirect_chain[-1][0] == ROLE_PAGE and "还剩 9 个" in ok.content.decode()
    assert first.get(ROLE_PAGE).status_code == 200
    assert StaticToken.objects.filter(device__user=approver).count() == 9

    second = Client()
    sign_in(second, approver)
    refused = second.post(reverse("otp-verify"), {"otp_token": codes[0], "next": ROLE_PAGE})
    assert refused.status_code == 200
    assert second.get(ROLE_PAGE).status_code == 302


@pytest.mark.django_db
def test_a_caseworker_needs_no_second_factor_but_may_enrol_and_is_then_asked(caseworker):
    client = Client()
    page = sign_in(client, caseworker)
    assert page.redirect_chain[-1][0] == "/" and "启用两步验证" in page.content.decode()
    assert client.get(ROLE_PAGE).status_code == 200
    twofactor.set_totp_secret(caseworker, SECRET)
    later = Client()
    assert sign_in(later, caseworker).redirect_chain[-1][0].startswith(reverse("otp-verify"))
    assert later.get(ROLE_PAGE).status_code == 302


@pytest.mark.django_db
def test_force_login_in_other_tests_passes_the_second_factor(client, approver):
    client.force_login(approver)
    assert client.get(ROLE_PAGE).status_code == 200


@pytest.mark.django_db
def test_create_portal_user_otp_secret_is_idempotent_and_checked(db):
    from django.core.management import CommandError, call_command

    args = ["--username", "ap_cli", "--password", "pass12345!", "--role", "approver", "--region", "610100"]
    call_command("create_portal_user", *args, "--otp-secret", SECRET, stdout=None)
    device = TOTPDevice.objects.get(user__username="ap_cli")
    assert device.confirmed and (device.step, device.digits) == (30, 6)
    assert device.bin_key == twofactor.parse_base32(SECRET)
    other = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    call_command("create_portal_user", *args, "--otp-secret", other.lower(), stdout=None)
    call_command("create_portal_user", *args, "--otp-secret", other, stdout=None)
    devices = TOTPDevice.objects.filter(user__username="ap_cli")
    assert devices.count() == 1 and devices.get().bin_key == twofactor.parse_base32(other)
    with pytest.raises(CommandError):
        call_command("create_portal_user", *args, "--otp-secret", "not base32!", stdout=None)
    with pytest.raises(CommandError):
        call_command("create_portal_user", *args, "--otp-secret", "JBSWY3DP", stdout=None)  # 5 bytes


@pytest.mark.django_db
def test_seed_demo_gives_the_demo_logins_of_required_roles_the_printed_secret():
    from io import StringIO

    from django.core.management import call_command

    from portal import demo

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert demo.DEMO_OTP_SECRET in out.getvalue()
    for username, role, _extra, _where in demo.DEMO_USERS:
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if role in {Role.APPROVER, Role.INSURANCE_OFFICER, Role.TRAINING_STAFF, Role.ADMIN}:
            assert device is not None and device.bin_key == twofactor.parse_base32(demo.DEMO_OTP_SECRET), username
        else:
            assert device is None, username
    # the printed secret signs the demo approver in through the API
    from rest_framework.test import APIClient

    resp = APIClient().post("/api/v1/auth/token/", {"username": "approver", "password": "demo12345",
                                                    "otp": totp_code(demo.DEMO_OTP_SECRET)}, format="json")
    assert resp.status_code == 200
