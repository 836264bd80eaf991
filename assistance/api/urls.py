from django.urls import path

from . import views

urlpatterns = [
    path("households/", views.HouseholdListCreateView.as_view(), name="assistance-households"),
    path("households/<int:pk>/", views.HouseholdDetailView.as_view(), name="assistance-household"),
    path("households/<int:pk>/means-test/", views.HouseholdMeansTestView.as_view(),
         name="assistance-household-means-test"),
    path("enrolments/", views.EnrolmentCreateView.as_view(), name="assistance-enrolments"),
    path("schemes/", views.SchemeListCreateView.as_view(), name="assistance-schemes"),
    path("allocations/", views.AllocationListCreateView.as_view(), name="assistance-allocations"),
    path("batches/", views.BatchListCreateView.as_view(), name="assistance-batches"),
    path("batches/<int:pk>/", views.BatchDetailView.as_view(), name="assistance-batch"),
    path("batches/<int:pk>/approve/", views.BatchApproveView.as_view(), name="assistance-batch-approve"),
    path("batches/<int:pk>/cancel/", views.BatchCancelView.as_view(), name="assistance-batch-cancel"),
    path("batches/<int:pk>/return/", views.BatchReturnView.as_view(), name="assistance-batch-return"),
    path("batches/<int:pk>/resubmit/", views.BatchResubmitView.as_view(), name="assistance-batch-resubmit"),
    path("batches/<int:pk>/payments/", views.BatchPaymentListView.as_view(), name="assistance-batch-payments"),
    path("payments/<int:pk>/reissue/", views.PaymentReissueView.as_view(), name="assistance-payment-reissue"),
    path("payments/<int:pk>/cancel/", views.PaymentCancelView.as_view(), name="assistance-payment-cancel"),
]
