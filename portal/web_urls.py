from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("jobs/<int:pk>/", views.job_progress, name="job-progress"),
    path("regions/children/", views.region_children, name="region-children"),
]
