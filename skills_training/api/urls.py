from django.urls import path

from . import views

urlpatterns = [
    path("assessments/", views.AssessmentListCreateView.as_view(), name="training-assessments"),
    path("assessments/<int:pk>/", views.AssessmentDetailView.as_view(), name="training-assessment"),
    path("sittings/", views.SittingListCreateView.as_view(), name="training-sittings"),
    path("sittings/<int:pk>/results/", views.SittingResultsView.as_view(), name="training-sitting-results"),
    path("certificates/", views.CertificateListView.as_view(), name="training-certificates"),
    path("certificates/verify/", views.CertificateVerifyView.as_view(), name="training-certificate-verify"),
    path("certificates/<str:number>/", views.CertificateDetailView.as_view(), name="training-certificate"),
    path("certificates/<str:number>/revoke/", views.CertificateRevokeView.as_view(), name="training-certificate-revoke"),
    path("certificates/<str:number>/reissue/", views.CertificateReissueView.as_view(),
         name="training-certificate-reissue"),
    path("brand/trades/", views.BrandTradeListView.as_view(), name="training-brand-trades"),
    path("brand/events/", views.BrandEventListView.as_view(), name="training-brand-events"),
    path("brand/pilot-regions/", views.PilotRegionListView.as_view(), name="training-pilot-regions"),
]
