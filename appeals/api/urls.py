from django.urls import path

from . import views

urlpatterns = [
    path("", views.AppealListCreateView.as_view(), name="appeals-api-list"),
    path("<int:pk>/", views.AppealDetailView.as_view(), name="appeals-api-detail"),
    path("<int:pk>/review/", views.AppealReviewView.as_view(), name="appeals-api-review"),
    path("<int:pk>/decide/", views.AppealDecideView.as_view(), name="appeals-api-decide"),
    path("<int:pk>/withdraw/", views.AppealWithdrawView.as_view(), name="appeals-api-withdraw"),
    path("verification/", views.RoundListCreateView.as_view(), name="appeals-api-rounds"),
    path("verification/<int:pk>/", views.RoundDetailView.as_view(), name="appeals-api-round"),
    path("verification/<int:pk>/checks/", views.CheckListView.as_view(), name="appeals-api-checks"),
    path("verification/checks/<int:pk>/", views.CheckRecordView.as_view(), name="appeals-api-check-record"),
]
