from django.urls import path

from . import views

urlpatterns = [
    path("merchants/", views.MerchantListCreateView.as_view(), name="inkind-api-merchants"),
    path("merchants/<int:pk>/active/", views.MerchantActiveView.as_view(), name="inkind-api-merchant-active"),
    path("schemes/<int:pk>/voucher-terms/", views.VoucherTermsView.as_view(), name="inkind-api-voucher-terms"),
    path("vouchers/", views.VoucherListView.as_view(), name="inkind-api-vouchers"),
    path("redemptions/", views.RedemptionListCreateView.as_view(), name="inkind-api-redemptions"),
    path("statements/", views.StatementListCreateView.as_view(), name="inkind-api-statements"),
    path("statements/<int:pk>/", views.StatementDetailView.as_view(), name="inkind-api-statement"),
    path("statements/<int:pk>/settle/", views.StatementSettleView.as_view(), name="inkind-api-statement-settle"),
    path("goods/items/", views.ItemListCreateView.as_view(), name="inkind-api-items"),
    path("goods/points/", views.PointListCreateView.as_view(), name="inkind-api-points"),
    path("goods/points/<int:pk>/stock/", views.StockReceiveView.as_view(), name="inkind-api-stock-receive"),
    path("goods/stock/", views.StockView.as_view(), name="inkind-api-stock"),
    path("goods/lines/", views.DistributionListView.as_view(), name="inkind-api-lines"),
    path("goods/lines/<int:pk>/handover/", views.HandoverView.as_view(), name="inkind-api-handover"),
    path("schemes/<int:pk>/package/", views.PackageView.as_view(), name="inkind-api-package"),
    path("heating/companies/", views.CompanyListCreateView.as_view(), name="inkind-api-companies"),
    path("heating/accounts/", views.HeatingAccountView.as_view(), name="inkind-api-heating-account"),
    path("heating/waivers/", views.WaiverListView.as_view(), name="inkind-api-waivers"),
    path("heating/waivers/confirm/", views.WaiverConfirmView.as_view(), name="inkind-api-waiver-confirm"),
    path("heating/companies/<int:pk>/export/", views.WaiverExportView.as_view(), name="inkind-api-waiver-export"),
    path("heating/companies/<int:pk>/import/", views.WaiverImportView.as_view(), name="inkind-api-waiver-import"),
]
