from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI

from longroom.tariff.selectors import TariffLookupError

from .auth import PersonalToken
from .desk import router as desk_router
from .revenue import RevenueRefusal
from .revenue import router as revenue_router
from .tariff import router as tariff_router

api = NinjaAPI(
    title="Longroom API",
    version="1",
    description=(
        "The e-Longroom desk over HTTP. Authenticate with a personal token from your profile page: "
        "`Authorization: Bearer lrt_…`. You act with your own permissions: requests of offices you do "
        "not belong to answer 404. The tariff endpoints (`/tariff/…`) are public and need no token; "
        "they are rate-limited per client address (429 when exceeded). The revenue endpoints "
        "(`/revenue/…`) show the program accounts you have access to; an account you may not see "
        "answers 404, and declaring (CAD) needs edit access."
    ),
    auth=PersonalToken(),
    openapi_url="/openapi.json",
    docs_url="/docs",
    urls_namespace="api-v1",
)
api.add_router("/", desk_router)
api.add_router("/", tariff_router)
api.add_router("/", revenue_router)


@api.exception_handler(TariffLookupError)
def tariff_lookup_failed(request: HttpRequest, exc: TariffLookupError) -> HttpResponse:
    """A question the tariff cannot answer (unknown item, no edition or exchange rate that day)."""
    return api.create_response(request, {"code": exc.code, "message": str(exc.message)}, status=404)


@api.exception_handler(RevenueRefusal)
def revenue_refused(request: HttpRequest, exc: RevenueRefusal) -> HttpResponse:
    """An account, declaration or document the caller may not see (404), or may only read (403)."""
    return api.create_response(request, {"code": exc.code, "message": exc.message}, status=exc.status)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"code": "not_found", "message": "Not found."}, status=404)
