"""What every app's admin shares: read-only registrations and actions that go through services.

Admins browse everything; money and status change only through actions that call the services, so the
same rules, locks, permission gate and audit rows apply as on the pages and the API.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and search only: nothing is added, changed or deleted by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def refusal_text(exc: Exception) -> str:
    return " ".join(str(m) for m in exc.messages) if isinstance(exc, ValidationError) else str(exc)


def run_action(modeladmin, request, objects, fn, done_message: str, *, label=lambda obj: f"#{obj.pk}") -> int:
    """Call `fn(obj)` (a service call) for each object; a refusal is shown for that object and the others
    go on. `done_message` takes `%(n)d`, the count that went through."""
    done = 0
    for obj in objects:
        try:
            fn(obj)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            modeladmin.message_user(request, f"{label(obj)}: {refusal_text(exc)}", level=messages.ERROR)
    if done:
        modeladmin.message_user(request, done_message % {"n": done}, level=messages.SUCCESS)
    return done
