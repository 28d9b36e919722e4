from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import offices_offering_elongroom


def locations(request: HttpRequest) -> HttpResponse:
    return render(request, "offices/locations.html", {"offices": offices_offering_elongroom()})
