from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from longroom.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url="/static/core/favicon.svg", permanent=True)),
    # The QR code on every stamp points here; the language follows the reader's browser.
    path(
        "verify/<str:reference>/", RedirectView.as_view(pattern_name="desk:verify_reference", permanent=False)
    ),
]

urlpatterns += i18n_patterns(
    path("", include("longroom.core.urls")),
    path("accounts/", include("allauth.urls")),
    path("locations/", include("longroom.offices.urls")),
    path("desk/", include("longroom.desk.urls")),
    path("tariff/", include("longroom.tariff.urls")),
    path("revenue/", include("longroom.revenue.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)

handler404 = "longroom.core.views.not_found"
handler500 = "longroom.core.views.server_error"
