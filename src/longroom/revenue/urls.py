from django.urls import path

from . import views

app_name = "revenue"
urlpatterns = [
    path("", views.find, name="find"),
    path("accounts/<str:bn15>/", views.account_detail, name="account"),
    path("accounts/<str:bn15>/transactions.csv", views.history_csv, name="history_csv"),
    path("accounts/<str:bn15>/entries/<int:pk>/", views.entry_detail, name="entry"),
    path("accounts/<str:bn15>/entries/<int:pk>/apply-credit/", views.credit_apply, name="credit_apply"),
    path("accounts/<str:bn15>/declarations/", views.declaration_list, name="declarations"),
    # Before the declaration's own page, whose <transaction_number> would take "new".
    path("accounts/<str:bn15>/declarations/new/", views.declaration_new, name="declaration_new"),
    path(
        "accounts/<str:bn15>/declarations/<str:transaction_number>/correct/",
        views.declaration_correct,
        name="declaration_correct",
    ),
    path(
        "accounts/<str:bn15>/declarations/<str:transaction_number>/",
        views.declaration_detail,
        name="declaration",
    ),
    path(
        "accounts/<str:bn15>/declarations/<str:transaction_number>/versions/<int:number>/approve/",
        views.adjustment_approve,
        name="adjustment_approve",
    ),
    path(
        "accounts/<str:bn15>/declarations/<str:transaction_number>/versions/<int:number>/reject/",
        views.adjustment_reject,
        name="adjustment_reject",
    ),
    path("accounts/<str:bn15>/documents/", views.document_list, name="documents"),
    path("accounts/<str:bn15>/documents/<int:pk>/reissue/", views.document_reissue, name="document_reissue"),
    path("accounts/<str:bn15>/documents/<int:pk>.<str:fmt>", views.document_download, name="document"),
    path("accounts/<str:bn15>/penalties/new/", views.penalty_new, name="penalty"),
]
