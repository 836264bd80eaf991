"""Second factor: TOTP (RFC 6238) through django-otp, recovery codes, and the browser gate.

Who: users of PORTAL_OTP_REQUIRED_ROLES (approvers, insurance officers, training staff, admins) and
superusers must have a device; everyone else may enrol one, and then uses it too. The rule is one
function, `pending_step(request)`:

- "verify": the user has a confirmed TOTP device and this session has not entered a code yet;
- "enrol":  the user must have a device and has none yet (first sign-in);
- None:     nothing more to do (verified, or a role that may go without).

`SecondFactorMiddleware` sends every page but PORTAL_OTP_EXEMPT_PATHS (login, logout, the code pages,
static files, health, the public certificate check, the API) to that step, so role pages and the Django
admin refuse until the session is verified; `portal.web.role_required` checks the same as a second line.
The API does not pass through it: a token is only issued with a code (portal.api.views.TokenView), and
session-authenticated API calls go through `portal.api.auth.VerifiedSessionAuthentication`.

Devices: one TOTP device (named "default": SHA-1, 6 digits, 30 s steps, one step of tolerance; a code is
good once) and one static device ("recovery") holding PORTAL_OTP_RECOVERY_CODES one-time codes.
`set_totp_secret` gives a user a device with a known base32 secret (`create_portal_user --otp-secret`).
"""

import binascii
import os
from base64 import b32decode, b32encode
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

TOTP_NAME = "default"
RECOVERY_NAME = "recovery"
# the session remembers "this user needs nothing more" (role at the time), so pages of users who may go
# without a second factor cost no query; a role change or a new login recomputes it
_STATE_KEY = "portal_2fa_none"

__all__ = [
    "DEVICE_ID_SESSION_KEY", "TOTP_NAME", "RECOVERY_NAME", "required_for", "has_device", "pending_step",
    "step_url", "verify_code", "set_totp_secret", "new_totp_key", "confirm_new_device", "make_recovery_codes",
    "parse_base32", "otp_login", "SecondFactorMiddleware",
]


def required_for(user) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or str(user.role) in set(settings.PORTAL_OTP_REQUIRED_ROLES))
    )


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(user) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def pending_step(request) -> str | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or is_verified(user):
        return None
    session = request.session
    marker = f"{user.pk}:{user.role}:{int(user.is_superuser)}"
    if session.get(_STATE_KEY) == marker:
        return None
    if has_device(user):
        return "verify"
    if required_for(user):
        return "enrol"
    session[_STATE_KEY] = marker
    return None


def step_url(request, step: str) -> str:
    name = "otp-verify" if step == "verify" else "otp-setup"
    return f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware: a signed-in user who still owes a code (or a device) is sent to
    that page from every path outside PORTAL_OTP_EXEMPT_PATHS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if not any(path.startswith(p) for p in settings.PORTAL_OTP_EXEMPT_PATHS):
            step = pending_step(request)
            if step:
                return redirect(step_url(request, step))
        return self.get_response(request)


# ---------------------------------------------------------------- codes

def verify_code(user, code: str):
    """The device of `user` that accepts `code` (a 6-digit TOTP code, or a recovery code, which is then
    used up), or None. Each device throttles its own failures (django-otp: the wait doubles)."""
    code = "".join((code or "").split()).lower()
    if not code:
        return None
    model = TOTPDevice if code.isdigit() else StaticDevice
    for device_id in model.objects.filter(user=user, confirmed=True).values_list("pk", flat=True):
        with transaction.atomic():
            device = model.objects.select_for_update().filter(pk=device_id).first()
            if device is not None and device.verify_token(code):
                return device
    return None


def throttled(user) -> bool:
    """True while a device of `user` refuses codes after failed attempts."""
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=True):
            if not device.verify_is_allowed()[0]:
                return True
    return False


def parse_base32(secret: str) -> bytes:
    """A base32 secret (spaces, lower case and missing padding tolerated) -> its bytes (10 to 40)."""
    text = "".join((secret or "").split()).upper().rstrip("=")
    try:
        key = b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise ValueError("not base32") from None
    if not 10 <= len(key) <= 40:
        raise ValueError("a TOTP secret has 10 to 40 bytes (16 to 64 base32 characters)")
    return key


def secret_text(key: bytes) -> str:
    """A key as base32 in groups of four, for typing into an authenticator app."""
    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def set_totp_secret(user, secret: str) -> TOTPDevice:
    """Give `user` one confirmed TOTP device with this base32 secret (RFC 6238: SHA-1, 6 digits, 30 s);
    run again it replaces the secret and clears the device's used-code and failure counters."""
    key = parse_base32(secret)
    TOTPDevice.objects.filter(user=user).exclude(name=TOTP_NAME).delete()
    device, _ = TOTPDevice.objects.update_or_create(
        user=user, name=TOTP_NAME,
        defaults={"key": key.hex(), "step": 30, "t0": 0, "digits": 6, "tolerance": 1, "drift": 0,
                  "last_t": -1, "confirmed": True, "throttling_failure_count": 0,
                  "throttling_failure_timestamp": None},
    )
    return device


def new_totp_key() -> bytes:
    return os.urandom(20)


def config_url(user, key: bytes) -> str:
    """The otpauth:// link an authenticator app reads from the QR code."""
    device = TOTPDevice(user=user, key=key.hex(), name=TOTP_NAME)
    return device.config_url


def confirm_new_device(user, key: bytes, code: str) -> TOTPDevice | None:
    """Enrolment: if `code` is right for `key` now, the user's TOTP device becomes this key (confirmed;
    the code is spent). None when the code is wrong."""
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = TOTP(key, step=30, t0=0, digits=6)
    if not totp.verify(int(code), tolerance=1):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        return TOTPDevice.objects.create(
            user=user, name=TOTP_NAME, key=key.hex(), step=30, t0=0, digits=6, tolerance=1,
            drift=totp.drift, last_t=totp.t(), confirmed=True,
        )


def make_recovery_codes(user, count: int | None = None) -> list[str]:
    """A fresh set of one-time recovery codes (the old set is void); shown to the user once."""
    count = count or settings.PORTAL_OTP_RECOVERY_CODES
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(count)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# ---------------------------------------------------------------- signals

@receiver(user_logged_in, dispatch_uid="portal.twofactor.logged_in")
def _forget_state_on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session.pop(_STATE_KEY, None)


@receiver(user_logged_out, dispatch_uid="portal.twofactor.logged_out")
def _revoke_tokens_on_logout(sender, request, user, **kwargs):
    """Web logout revokes every API token of the user (not only ones the session made: a browser session
    makes none), so signing out ends all of the user's access. API clients then sign in again."""
    if user is not None:
        from .tokens import revoke_all

        revoke_all(user)
