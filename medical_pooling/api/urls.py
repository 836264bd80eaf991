from django.urls import path

from . import views

urlpatterns = [
    path("insured/", views.InsuredListCreateView.as_view(), name="pooling-insured"),
    path("insured/<int:pk>/", views.InsuredDetailView.as_view(), name="pooling-insured-detail"),
    path("insured/<int:pk>/status/", views.InsuredStatusView.as_view(), name="pooling-insured-status"),
    path("me/", views.MeView.as_view(), name="pooling-me"),
    path("relations/", views.RelationListCreateView.as_view(), name="pooling-relations"),
    path("relations/<int:pk>/", views.RelationDetailView.as_view(), name="pooling-relation"),
    path("relations/<int:pk>/accept/", views.RelationAcceptView.as_view(), name="pooling-relation-accept"),
    path("me/payment-codes/", views.PaymentCodeView.as_view(), name="pooling-payment-codes"),
    path("relations/<int:pk>/dissolve/", views.RelationDissolveView.as_view(), name="pooling-relation-dissolve"),
    path("rules/", views.RegionRuleListView.as_view(), name="pooling-rules"),
    path("rules/<str:region>/", views.RegionRuleDetailView.as_view(), name="pooling-rule"),
    path("me/own-payment-codes/", views.OwnPaymentCodeView.as_view(), name="pooling-own-payment-codes"),
    path("own-spends/", views.OwnSpendListCreateView.as_view(), name="pooling-own-spends"),
    path("premiums/", views.PremiumView.as_view(), name="pooling-premiums"),
    path("spends/", views.SpendListCreateView.as_view(), name="pooling-spends"),
    path("spends/<int:pk>/refund/", views.SpendRefundView.as_view(), name="pooling-spend-refund"),
    path("settlements/run/", views.SettlementRunView.as_view(), name="pooling-settlement-run"),
    path("settlements/months/", views.ClearingMonthListView.as_view(), name="pooling-clearing-months"),
    path("settlements/", views.SettlementListView.as_view(), name="pooling-settlements"),
    path("statistics/", views.StatisticsView.as_view(), name="pooling-statistics"),
    path("statistics/pairs/", views.StatisticsPairListView.as_view(), name="pooling-statistics-pairs"),
]
