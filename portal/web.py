"""What every app's pages share: who may open a page, and how a service's refusal lands on a form.

Views stay thin: `@role_required(...)` says who may open a page at all (reads are then scoped by
`portal.scoping.restrict`); a write's own rules live in its service, behind `portal.permissions.require`.
"""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import twofactor


def role_required(*roles, message: str | None = None):
    """Decorator: signed in (else the login page), second factor done where the user needs one (else the
    code or enrolment page; SecondFactorMiddleware already sends them there, this is the second line) and
    one of `roles` or an admin (else 403)."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            step = twofactor.pending_step(request)
            if step:
                return redirect(twofactor.step_url(request, step))
            if not request.user.has_role(*roles):
                raise PermissionDenied(message or _("您的角色无权访问此页面。"))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def form_errors(form, exc: ValidationError, *, rename: dict | None = None, fallback: list | None = None) -> None:
    """Put a service's ValidationError onto `form`: each message under its field (after `rename`, which maps
    a service's field name to the form's), the rest on top of the form, or into `fallback` when given
    (a page that shows those next to a formset)."""
    rename = rename or {}
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, errors in exc.error_dict.items():
        target = rename.get(field, field)
        target = target if target in form.fields else None
        for message in (m for e in errors for m in e.messages):
            if target is None and fallback is not None:
                fallback.append(message)
            else:
                form.add_error(target, message)


def form_submit(request, form, action, success: str) -> bool:
    """A form page's write: on a valid POST, `action(**form.cleaned_data)` (the service, its actor bound);
    a refusal lands on the form (`form_errors`), an acceptance adds `success` as a message. True when the
    service accepted, so the view redirects; otherwise it renders the form again."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        action(**form.cleaned_data)
    except ValidationError as exc:
        form_errors(form, exc)
        return False
    messages.success(request, success)
    return True
