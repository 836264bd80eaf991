from django.urls import path

from . import views

urlpatterns = [
    path("", views.me, name="me"),
    path("guide/", views.guide, name="guide"),
    path("relations/new/", views.relation_add, name="relation-add"),
    path("relations/<int:pk>/quota/", views.relation_quota, name="relation-quota"),
    path("relations/<int:pk>/dissolve/", views.relation_dissolve, name="relation-dissolve"),
    path("relations/<int:pk>/accept/", views.relation_accept, name="relation-accept"),
    path("relations/<int:pk>/payment-code/", views.payment_code, name="payment-code"),
    path("relations/<int:pk>/premium/", views.premium, name="premium"),
    path("own-code/", views.own_payment_code, name="own-payment-code"),
    path("spend/", views.spend, name="spend"),
    path("own-spend/", views.own_spend, name="own-spend"),
    path("insured/", views.insured_list, name="insured-list"),
    path("insured/new/", views.insured_create, name="insured-create"),
    path("insured/import/", views.insured_import, name="insured-import"),
    path("insured/<int:pk>/", views.insured_detail, name="insured-detail"),
    path("settlements/", views.settlements, name="settlements"),
    path("settlements/export/", views.settlements_export, name="settlements-export"),
    path("rules/", views.rules, name="rules"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/export/", views.statistics_export, name="statistics-export"),
    path("fraud/", views.fraud_queue, name="fraud"),
    path("fraud/<int:pk>/review/", views.fraud_review, name="fraud-review"),
]
