from django.urls import path

from . import views

urlpatterns = [
    path("", views.household_list, name="household-list"),
    path("households/", views.household_list, name="households"),
    path("households/new/", views.household_create, name="household-create"),
    path("households/import/", views.roster_import, name="roster-import"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household-edit"),
    path("households/<int:pk>/members/", views.member_add, name="member-add"),
    path("enrolments/new/", views.enrolment_create, name="enrolment-create"),
    path("schemes/", views.scheme_list, name="scheme-list"),
    path("schemes/new/", views.scheme_create, name="scheme-create"),
    path("progress/", views.deadlines, name="deadlines"),
    path("batches/", views.batch_list, name="batch-list"),
    path("batches/new/", views.batch_create, name="batch-create"),
    path("batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/progress/", views.batch_progress, name="batch-progress"),
    path("batches/<int:pk>/approve/", views.batch_approve, name="batch-approve"),
    path("batches/<int:pk>/cancel/", views.batch_cancel, name="batch-cancel"),
    path("batches/<int:pk>/payments/", views.batch_payments, name="batch-payments"),
    path("batches/<int:pk>/bank-file.csv", views.batch_bank_file, name="batch-bank-file"),
    path("batches/<int:pk>/bank-result/", views.batch_bank_result, name="batch-bank-result"),
    path("account-changes/", views.account_changes, name="account-changes"),
    path("payments/<int:pk>/reissue/", views.payment_reissue, name="payment-reissue"),
    path("payments/<int:pk>/cancel/", views.payment_cancel, name="payment-cancel"),
]
