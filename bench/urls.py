"""The portal's URLs plus the bench-only floor endpoint (bench/settings.py only)."""

from django.urls import path

from bench.floor import FloorSpendView
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [*portal_urlpatterns, path("bench/floor-spend/", FloorSpendView.as_view())]
