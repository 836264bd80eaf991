from django.urls import path

from . import views

urlpatterns = [
    path("vouchers/", views.voucher_list, name="voucher-list"),
    path("vouchers/terms/<int:scheme_id>/", views.voucher_terms, name="voucher-terms"),
    path("vouchers/print/<int:payment_id>/", views.voucher_print, name="voucher-print"),
    path("merchants/", views.merchant_list, name="merchant-list"),
    path("merchants/new/", views.merchant_create, name="merchant-create"),
    path("merchants/<int:pk>/toggle/", views.merchant_toggle, name="merchant-toggle"),
    path("redeem/", views.redeem, name="redeem"),
    path("statements/", views.statement_list, name="statement-list"),
    path("statements/new/", views.statement_create, name="statement-create"),
    path("statements/<int:pk>/", views.statement_detail, name="statement-detail"),
    path("goods/", views.goods, name="goods"),
    path("goods/items/new/", views.item_create, name="item-create"),
    path("goods/points/new/", views.point_create, name="point-create"),
    path("goods/points/<int:point_id>/receive/", views.stock_receive, name="stock-receive"),
    path("goods/package/<int:scheme_id>/", views.package, name="package"),
    path("goods/lines/<int:pk>/handover/", views.handover, name="handover"),
    path("goods/lines/<int:pk>/signature/", views.signature_download, name="signature"),
    path("heating/", views.heating, name="heating"),
    path("heating/companies/new/", views.company_create, name="company-create"),
    path("heating/accounts/new/", views.heating_account, name="heating-account"),
    path("heating/companies/<int:pk>/export/", views.waiver_export, name="waiver-export"),
    path("heating/companies/<int:pk>/import/", views.waiver_import, name="waiver-import"),
    path("heating/companies/<int:pk>/statement/", views.heating_statement, name="heating-statement"),
    path("heating/confirm/", views.waiver_confirm, name="waiver-confirm"),
]
