from django.urls import path

from . import views

urlpatterns = [
    path("", views.application_list, name="application-list"),
    path("applications/new/", views.application_create, name="application-create"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/review/", views.application_review, name="application-review"),
    path("applications/<int:pk>/confirm/", views.application_confirm, name="application-confirm"),
    path("applications/<int:pk>/reject/", views.application_reject, name="application-reject"),
    path("applications/<int:pk>/documents/", views.application_document, name="application-document"),
    path("applications/<int:pk>/documents/<int:doc_pk>/", views.application_document_download,
         name="application-document-download"),
    path("aid/", views.aid_list, name="aid-list"),
    path("aid/new/", views.aid_create, name="aid-create"),
    path("aid/<int:pk>/", views.aid_detail, name="aid-detail"),
    path("aid/<int:pk>/approve/", views.aid_approve, name="aid-approve"),
    path("aid/<int:pk>/reject/", views.aid_reject, name="aid-reject"),
    path("aid/<int:pk>/review/", views.aid_review, name="aid-review"),
    path("patrols/", views.patrol_list, name="patrol-list"),
    path("patrols/new/", views.patrol_create, name="patrol-create"),
    path("patrols/<int:pk>/", views.patrol_detail, name="patrol-detail"),
    path("unidentified/<int:pk>/link/", views.unidentified_link, name="unidentified-link"),
    path("shelters/", views.shelter_list, name="shelter-list"),
    path("visits/", views.visit_list, name="visit-list"),
    path("visits/new/", views.visit_create, name="visit-create"),
    path("discovery/", views.discovery_list, name="discovery-list"),
    path("discovery/<int:pk>/", views.discovery_resolve, name="discovery-resolve"),
    path("reports/", views.report, name="report"),
    path("reports/export.<str:fmt>", views.report_export, name="report-export"),
]
