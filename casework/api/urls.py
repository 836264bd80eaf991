from django.urls import path

from . import views

urlpatterns = [
    path("applications/", views.ApplicationListCreateView.as_view(), name="casework-api-applications"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="casework-api-application"),
    path("applications/<int:pk>/review/", views.ApplicationReviewView.as_view(), name="casework-api-app-review"),
    path("applications/<int:pk>/confirm/", views.ApplicationConfirmView.as_view(), name="casework-api-app-confirm"),
    path("applications/<int:pk>/reject/", views.ApplicationRejectView.as_view(), name="casework-api-app-reject"),
    path("applications/<int:pk>/documents/", views.ApplicationDocumentView.as_view(), name="casework-api-app-docs"),
    path("temporary-aid/", views.TemporaryAidListCreateView.as_view(), name="casework-api-aid"),
    path("temporary-aid/<int:pk>/", views.TemporaryAidDetailView.as_view(), name="casework-api-aid-detail"),
    path("temporary-aid/<int:pk>/approve/", views.TemporaryAidApproveView.as_view(), name="casework-api-aid-approve"),
    path("temporary-aid/<int:pk>/reject/", views.TemporaryAidRejectView.as_view(), name="casework-api-aid-reject"),
    path("temporary-aid/<int:pk>/review/", views.TemporaryAidPostReviewView.as_view(), name="casework-api-aid-review"),
    path("encounters/", views.EncounterListCreateView.as_view(), name="casework-api-encounters"),
    path("shelters/", views.ShelterListView.as_view(), name="casework-api-shelters"),
    path("shelters/<int:pk>/", views.ShelterDetailView.as_view(), name="casework-api-shelter"),
    path("shelters/<int:pk>/stays/", views.ShelterStayListView.as_view(), name="casework-api-shelter-stays"),
    path("stays/<int:pk>/checkout/", views.StayCheckOutView.as_view(), name="casework-api-stay-checkout"),
    path("patrols/", views.PatrolListCreateView.as_view(), name="casework-api-patrols"),
    path("patrols/compliance/", views.PatrolComplianceView.as_view(), name="casework-api-patrol-compliance"),
    path("patrols/<int:pk>/", views.PatrolDetailView.as_view(), name="casework-api-patrol"),
    path("unidentified/", views.UnidentifiedListView.as_view(), name="casework-api-unidentified"),
    path("unidentified/<int:pk>/link/", views.UnidentifiedLinkView.as_view(), name="casework-api-unidentified-link"),
    path("visits/", views.VisitListCreateView.as_view(), name="casework-api-visits"),
    path("discovery-tasks/", views.DiscoveryTaskListView.as_view(), name="casework-api-discovery"),
    path("discovery-tasks/<int:pk>/resolve/", views.DiscoveryResolveView.as_view(), name="casework-api-discovery-resolve"),
    path("reports/", views.ReportView.as_view(), name="casework-api-report"),
]
