"""The browser's second-factor pages: enrol a TOTP device (first sign-in of a role that needs one, or of
anyone who wants one), enter a code at each sign-in, and renew the recovery codes."""

from binascii import Error as BinasciiError

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from . import twofactor

_SETUP_KEY = "portal_2fa_setup_key"


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("验证码"), max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return "/"


def _to(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _setup_key(request) -> bytes:
    """The key being enrolled lives in the session until a code confirms it (no row before that)."""
    stored = request.session.get(_SETUP_KEY)
    if stored:
        try:
            return bytes.fromhex(stored)
        except (ValueError, BinasciiError):
            pass
    key = twofactor.new_totp_key()
    request.session[_SETUP_KEY] = key.hex()
    return key


@never_cache
@sensitive_post_parameters("otp_token")
@login_required
def otp_setup(request):
    user = request.user
    next_url = _next_url(request)
    if twofactor.has_device(user):
        if not twofactor.is_verified(user):
            return redirect(_to("otp-verify", next_url))
        if request.method == "POST" and request.POST.get("action") == "renew":
            codes = twofactor.make_recovery_codes(user)
            return render(request, "registration/otp_recovery_codes.html",
                          {"codes": codes, "next": next_url, "renewed": True})
        return render(request, "registration/otp_setup.html",
                      {"enrolled": True, "left": twofactor.recovery_codes_left(user), "next": next_url})
    key = _setup_key(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.confirm_new_device(user, key, form.cleaned_data["otp_token"])
        if device is not None:
            request.session.pop(_SETUP_KEY, None)
            twofactor.otp_login(request, device)
            codes = twofactor.make_recovery_codes(user)
            return render(request, "registration/otp_recovery_codes.html", {"codes": codes, "next": next_url})
        form.add_error("otp_token", _("验证码不正确，请核对验证器上当前显示的 6 位数字后重试。"))
    qr = segno.make(twofactor.config_url(user, key), error="m")
    svg = qr.svg_inline(scale=5, border=2, title=_("动态验证码绑定二维码"))
    return render(request, "registration/otp_setup.html", {
        "enrolled": False, "form": form, "qr_svg": mark_safe(svg),  # segno's own markup
        "secret": twofactor.secret_text(key), "required": twofactor.required_for(user), "next": next_url,
    })


@never_cache
@sensitive_post_parameters("otp_token")
@login_required
def otp_verify(request):
    user = request.user
    next_url = _next_url(request)
    if twofactor.is_verified(user):
        return redirect(next_url)
    if not twofactor.has_device(user):
        if twofactor.required_for(user):
            return redirect(_to("otp-setup", next_url))
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.verify_code(user, form.cleaned_data["otp_token"])
        if device is not None:
            twofactor.otp_login(request, device)
            if device.name == twofactor.RECOVERY_NAME:
                messages.warning(request, _("已使用一个恢复码，还剩 %(n)d 个。恢复码用完前请在“两步验证”页重新生成。")
                                 % {"n": twofactor.recovery_codes_left(user)})
            return redirect(next_url)
        if twofactor.throttled(user):
            form.add_error("otp_token", _("验证失败次数过多，请稍候片刻再试。"))
        else:
            form.add_error("otp_token", _("验证码不正确或已使用过，请输入验证器上的当前验证码或一个恢复码。"))
    return render(request, "registration/otp_verify.html", {"form": form, "next": next_url})
