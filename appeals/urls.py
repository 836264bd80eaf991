from django.urls import path

from . import views

urlpatterns = [
    path("", views.appeal_list, name="appeal-list"),
    path("new/", views.appeal_create, name="appeal-create"),
    path("<int:pk>/", views.appeal_detail, name="appeal-detail"),
    path("<int:pk>/review/", views.appeal_review_start, name="appeal-review"),
    path("<int:pk>/decide/", views.appeal_decide, name="appeal-decide"),
    path("<int:pk>/withdraw/", views.appeal_withdraw, name="appeal-withdraw"),
    path("verification/", views.round_list, name="round-list"),
    path("verification/draw/", views.round_draw, name="round-draw"),
    path("verification/<int:pk>/", views.round_detail, name="round-detail"),
    path("verification/checks/<int:pk>/", views.check_record, name="check-record"),
]
