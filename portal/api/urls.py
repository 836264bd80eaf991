from django.urls import path

from . import views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("me/", views.WhoAmIView.as_view(), name="api-whoami"),
    path("regions/", views.RegionListView.as_view(), name="api-regions"),
]
