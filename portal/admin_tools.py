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


# --------------------------------------------------------------------------- the admin site as a whole

# The login-protection app (django-axes) ships no Chinese: its names in the admin, in Chinese.
AXES_NAMES = {
    "app": "登录防护",
    "AccessAttempt": ("登录失败记录", "登录失败记录"),
    "AccessLog": ("登录日志", "登录日志"),
    "AccessFailureLog": ("登录失败明细", "登录失败明细"),
    "AccessAttemptExpiration": ("登录锁定到期", "登录锁定到期"),
}


# The second-factor apps (django-otp) ship no Chinese either.
OTP_NAMES = {"otp_static": ("两步验证备用码", {"StaticDevice": "备用码设备", "StaticToken": "备用码"}),
             "otp_totp": ("两步验证动态口令", {"TOTPDevice": "动态口令设备"})}


def _localise_otp():
    from django.apps import apps

    for label, (app_name, models) in OTP_NAMES.items():
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        config.verbose_name = app_name
        for model in config.get_models():
            if model.__name__ in models:
                model._meta.verbose_name = model._meta.verbose_name_plural = models[model.__name__]


def _localise_axes(site):
    from django.apps import apps

    try:
        config = apps.get_app_config("axes")
    except LookupError:
        return
    config.verbose_name = AXES_NAMES["app"]
    for model in config.get_models():
        names = AXES_NAMES.get(model.__name__)
        if names:
            model._meta.verbose_name, model._meta.verbose_name_plural = names
        old = site._registry.get(model)
        if old is not None:
            site.unregister(model)
            site.register(model, _chinese_axes_admin(type(old), model))


def _chinese_axes_admin(base, model):
    """The axes admin with Chinese section titles, filters and columns, read-only."""
    from django.contrib.admin import SimpleListFilter

    class Locked(SimpleListFilter):
        title, parameter_name = "是否锁定", "locked_out"

        def lookups(self, request, model_admin):
            return (("yes", "已锁定"), ("no", "未锁定"))

        def queryset(self, request, queryset):
            from axes.conf import settings as axes_settings

            limit = axes_settings.AXES_FAILURE_LIMIT
            if self.value() == "yes":
                return queryset.filter(failures_since_start__gte=limit)
            if self.value() == "no":
                return queryset.filter(failures_since_start__lt=limit)
            return queryset

    attrs = {"actions": [], "list_filter": [f for f in getattr(base, "list_filter", ()) if isinstance(f, str)],
             "has_add_permission": lambda self, request, obj=None: False,
             "has_change_permission": lambda self, request, obj=None: False,
             "has_delete_permission": lambda self, request, obj=None: False}
    if base.fieldsets:
        titles = {"Form Data": "提交内容", "Meta Data": "访问信息"}
        attrs["fieldsets"] = tuple((None if title is None else titles.get(str(title), "其他"), opts)
                                   for title, opts in base.fieldsets)
    if model.__name__ == "AccessAttempt":
        attrs["list_filter"] = [*attrs["list_filter"], Locked]

        @admin.display(description="状态")
        def status(self, obj):
            from axes.conf import settings as axes_settings

            left = axes_settings.AXES_FAILURE_LIMIT - obj.failures_since_start
            return f"还可尝试 {left} 次" if left > 0 else "已锁定"

        @admin.display(description="到期时间")
        def expiration(self, obj):
            return obj.expiration.expires_at if hasattr(obj, "expiration") else "未设置"

        attrs.update(status=status, expiration=expiration)
    return type(f"Chinese{base.__name__}", (base,), attrs)


def _project_app(config) -> bool:
    from django.conf import settings

    path = str(config.path)
    return path.startswith(str(settings.BASE_DIR)) and "site-packages" not in path


def _protect_kept_records(site):
    """Records of the portal's own apps (households, persons, payments, batches, audit, certificates,
    ledgers …) are kept by law: the admin deletes none of them, one by one or in bulk."""
    site.disable_action("delete_selected")
    for model, model_admin in site._registry.items():
        from django.apps import apps

        if _project_app(apps.get_app_config(model._meta.app_label)):
            model_admin.has_delete_permission = lambda request, obj=None: False
            for inline in getattr(model_admin, "inlines", ()):
                inline.can_delete = False


def _portal_apps_first(site):
    """The admin index lists the portal's own apps first (in INSTALLED_APPS order), then the libraries'."""
    from django.apps import apps

    order = {c.label: n for n, c in enumerate(apps.get_app_configs())}
    original = site.get_app_list

    def get_app_list(request, app_label=None):
        app_list = original(request, app_label)
        own = {c.label for c in apps.get_app_configs() if _project_app(c)}
        return sorted(app_list, key=lambda a: (a["app_label"] not in own, order.get(a["app_label"], 999)))

    site.get_app_list = get_app_list


def finish_admin_site(site):
    """Called once every app's admin is registered (from the URL configuration)."""
    if getattr(site, "_portal_finished", False):
        return
    _localise_axes(site)
    _localise_otp()
    _protect_kept_records(site)
    _portal_apps_first(site)
    site._portal_finished = True
