"""Public pages of the tariff tools: search, browse, an item, guided classification, the duties-and-
taxes calculator and exchange rates. No sign-in: this is published information, as on CBSA's site."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from longroom.core.language import current_language

from . import guided, selectors
from .forms import ClassifyForm, SearchForm


def _as_of(request: HttpRequest) -> dt.date:
    raw = request.GET.get("date", "")
    try:
        return dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _edition_context(on: dt.date) -> dict[str, Any]:
    try:
        return {"edition": selectors.edition_in_force(on), "edition_problem": None}
    except selectors.NoEditionInForce as problem:
        return {"edition": None, "edition_problem": problem.message}


def tools_home(request: HttpRequest) -> HttpResponse:
    on = timezone.localdate()
    return render(
        request,
        "tariff/home.html",
        {"form": SearchForm(), "as_of": on, "editions": selectors.editions(), **_edition_context(on)},
    )


def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "results": None}
    if form.is_bound and form.is_valid():
        on = form.as_of()
        context.update(_edition_context(on), as_of=on)
        if context["edition"] is not None:
            context["results"] = selectors.search(form.cleaned_data["q"], on=on, language=current_language())
    return render(request, "tariff/search.html", context)


def browse(request: HttpRequest, code: str = "") -> HttpResponse:
    on = _as_of(request)
    context: dict[str, Any] = {"as_of": on, **_edition_context(on)}
    if context["edition"] is None:
        return render(request, "tariff/browse.html", context)
    if not code:
        context["sections"] = selectors.tree_sections()
        return render(request, "tariff/browse.html", context)
    if not code.isdigit() or len(code) > 10:
        raise Http404
    path, children = selectors.tree_children(code, on)
    if not path:
        raise Http404
    context.update(code=code, path=path, current=path[-1], children=children)
    return render(request, "tariff/browse.html", context)


def item_detail(request: HttpRequest, number: str) -> HttpResponse:
    on = _as_of(request)
    try:
        item = selectors.tariff_item(number, on)
    except selectors.UnknownTariffItem:
        raise Http404 from None
    except selectors.NoEditionInForce as problem:
        return render(
            request, "tariff/item.html", {"as_of": on, "edition_problem": problem.message}, status=404
        )
    return render(request, "tariff/item.html", {"item": item, "as_of": on, "edition": item.edition})


def exchange_rates(request: HttpRequest) -> HttpResponse:
    on = _as_of(request)
    currencies = selectors.exchange_currencies()
    currency = request.GET.get("currency", "USD").upper()
    if currency not in currencies and currencies:
        currency = currencies[0]
    context: dict[str, Any] = {"as_of": on, "currencies": currencies, "currency": currency, "rate": None}
    if currencies:
        try:
            context["rate"] = selectors.exchange_rate(currency, on)
        except selectors.NoExchangeRate as problem:
            context["problem"] = problem.message
        context["table"] = selectors.exchange_rate_table(currency, until=on)
    return render(request, "tariff/exchange_rates.html", context)


def classify(request: HttpRequest) -> HttpResponse:
    """The guided flow; every answer is a query parameter `a` of the form `question:choice`."""
    on = _as_of(request)
    form = ClassifyForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "as_of": on, **_edition_context(on)}
    if context["edition"] is None or not form.is_bound or not form.is_valid():
        return render(request, "tariff/classify.html", context)
    answers: list[tuple[str, str]] = []
    for pair in request.GET.getlist("a")[: guided.MAX_ANSWERS]:
        question, _sep, choice = pair.partition(":")
        if question and choice:
            answers.append((question[:20], choice[:20]))
    if request.GET.get("q") and request.GET.get("choice"):  # the answer to the question on screen
        answers.append((request.GET["q"][:20], request.GET["choice"][:20]))
    current = guided.page(
        edition=context["edition"],
        description=form.cleaned_data["description"],
        answers=answers,
        on=on,
        language=current_language(),
    )
    context.update(step=current, answers=[f"{q}:{o}" for q, o in current.answers])
    return render(request, "tariff/classify.html", context)
