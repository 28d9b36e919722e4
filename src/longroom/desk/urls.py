from django.urls import path

from . import office_views, views

app_name = "desk"
urlpatterns = [
    path("", views.home, name="home"),
    path("queue/<str:office_number>/<str:kind>/", views.queue, name="queue"),
    path("requests/<str:reference>/", views.request_detail, name="request"),
    path("requests/<str:reference>/viewer/", views.request_popout, name="popout"),
    path("requests/<str:reference>/claim/", views.request_claim, name="claim"),
    path("requests/<str:reference>/release/", views.request_release, name="release"),
    path("requests/<str:reference>/reassign/", views.request_reassign, name="reassign"),
    path("requests/<str:reference>/stamp/", views.request_stamp, name="stamp"),
    path("requests/<str:reference>/stamp/preview.png", views.stamp_preview, name="stamp_preview"),
    path("requests/<str:reference>/return/", views.request_return, name="return"),
    path("requests/<str:reference>/reject/", views.request_reject, name="reject"),
    path("requests/<str:reference>/ask/", views.request_ask, name="ask"),
    path(
        "documents/<int:document_pk>/pages/<int:page_index>/<str:size>.png",
        views.page_image,
        name="page_image",
    ),
    path("documents/<int:document_pk>/download/", views.document_download, name="document"),
    path("barcodes/<int:barcode_pk>.svg", views.barcode_svg, name="barcode_svg"),
    path("intake/", views.intake_problems, name="problems"),
    path("intake/<int:pk>/", views.message_detail, name="message"),
    path("intake/<int:pk>/raw/", views.message_raw, name="message_raw"),
    path("intake/<int:pk>/retry/", views.message_retry, name="message_retry"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>.eml", views.outbound_eml, name="outbound_eml"),
    path("offices/<str:number>/settings/", office_views.office_settings, name="office_settings"),
    path("offices/<str:number>/stamps/new/", office_views.stamp_edit, name="stamp_new"),
    path("offices/<str:number>/stamps/<int:pk>/", office_views.stamp_edit, name="stamp_edit"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:reference>/", views.verify_reference, name="verify_reference"),
]
