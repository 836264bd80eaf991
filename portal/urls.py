from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import admin_tools, health, metrics, views
from . import auth_views as otp_views

admin.site.site_header = "社会救助综合服务平台 · 管理后台"
admin.site.site_title = "社会救助综合服务平台"
admin.site.index_title = "系统管理"
admin_tools.finish_admin_site(admin.site)

api_v1 = [
    path("", include("portal.api.urls")),
    path("assistance/", include("assistance.api.urls")),
    path("casework/", include("casework.api.urls")),
    path("pooling/", include("medical_pooling.api.urls")),
    path("training/", include("skills_training.api.urls")),
    path("appeals/", include("appeals.api.urls")),
    path("inkind/", include("relief_inkind.api.urls")),
]

urlpatterns = [
    path("", include(("portal.web_urls", "portal"), namespace="portal")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/setup/", otp_views.otp_setup, name="otp-setup"),
    path("accounts/otp/verify/", otp_views.otp_verify, name="otp-verify"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("assistance/", include(("assistance.urls", "assistance"), namespace="assistance")),
    path("casework/", include(("casework.urls", "casework"), namespace="casework")),
    path("pooling/", include(("medical_pooling.urls", "medical_pooling"), namespace="medical_pooling")),
    path("training/", include(("skills_training.urls", "skills_training"), namespace="skills_training")),
    path("appeals/", include(("appeals.urls", "appeals"), namespace="appeals")),
    path("inkind/", include(("relief_inkind.urls", "relief_inkind"), namespace="relief_inkind")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", views.healthz, name="healthz"),
    path("health/live", health.ops_only(health.live), name="health-live"),
    path("health/ready", health.ops_only(health.ReadinessView.as_view()), name="health-ready"),
    path("metrics", metrics.metrics_view, name="metrics"),
]

if settings.DEBUG and getattr(settings, "PORTAL_SERVE_MEDIA", False):  # never in production
    from django.views.static import serve

    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
