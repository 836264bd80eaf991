from django.urls import path

from . import views

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/<str:number>/", views.verify_qr, name="verify-qr"),
    path("assessments/", views.assessment_list, name="assessment-list"),
    path("assessments/new/", views.assessment_create, name="assessment-create"),
    path("certificates/", views.certificate_list, name="certificate-list"),
    path("certificates/<str:number>/", views.certificate_detail, name="certificate-detail"),
    path("certificates/<str:number>/pdf/", views.certificate_pdf, name="certificate-pdf"),
    path("certificates/<str:number>/revoke/", views.certificate_revoke, name="certificate-revoke"),
    path("certificates/<str:number>/reissue/", views.certificate_reissue, name="certificate-reissue"),
    path("institutions/", views.institution_list, name="institution-list"),
    path("sittings/", views.sitting_list, name="sitting-list"),
    path("sittings/<int:pk>/", views.sitting_detail, name="sitting-detail"),
    path("sittings/<int:pk>/tickets/", views.sitting_tickets, name="sitting-tickets"),
    path("sittings/<int:pk>/scores/", views.sitting_scores, name="sitting-scores"),
    path("assessors/", views.assessor_list, name="assessor-list"),
    path("classes/", views.class_list, name="class-list"),
    path("classes/<int:pk>/", views.class_detail, name="class-detail"),
    path("enrolments/<int:pk>/", views.enrolment_update, name="enrolment-update"),
    path("competitions/", views.competition_list, name="competition-list"),
    path("competitions/<int:pk>/", views.competition_detail, name="competition-detail"),
    path("entries/<int:pk>/", views.entry_detail, name="entry-detail"),
    path("entries/<int:pk>/award/", views.entry_award, name="entry-award"),
    path("entries/<int:pk>/promote/", views.entry_promote, name="entry-promote"),
    path("followups/", views.followup_list, name="followup-list"),
    path("referrals/", views.referral_list, name="referral-list"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
