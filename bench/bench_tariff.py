"""Tariff: import of the full edition, search latency, calculator throughput.

A fresh installation (temporary LONGROOM_VAR_DIR; SQLite, or with --db postgres a fresh
PostgreSQL database `longroom_bench_tariff`, dropped and recreated each run) imports the HS
nomenclature (`/work/shared/data/hs/`, 5,613 subheadings) and the full CBSA edition T2026-0
(`/work/shared/data/tariff/ca_tariff.db`, 22,460 lines) through the app's own services. Then:

1. Search. The first `selectors.search()` builds the edition's in-memory index: its time is
   reported on its own ("index build"). Then a fixed mix of queries (English words, French words,
   English typos, code prefixes; see QUERIES and `code_queries`) is run once each, in a fixed
   shuffled order, through `selectors.search(q, on=2026-06-01, language=…)`, the whole call timed
   (edition lookup, index, rates and texts from the database). p50 / p95 / max over all queries,
   and per kind of query.
2. Calculator. `estimates.estimate()` on requests of 1,000 lines drawn from the edition with a
   fixed seed: ad valorem, free, specific (quantity given, sometimes in another unit of the same
   dimension), compound rates; 8- and 10-digit numbers; origins that claim UST, MXT, MFN (with and
   without a preferential treatment the edition does not publish) and the General Tariff; seven
   currencies (exchange rates created for the day). One request warms up; then the timed requests
   alternate commercial (GST), casual Ontario (HST) and casual Quebec (GST + QST). Lines/s is
   all timed lines over the time of all timed `estimate()` calls.

Targets: search p95 ≤ 50 ms, calculator ≥ 1,000 lines/s. When one is missed (or with
--profile always), that part runs once more under cProfile and the top functions are printed;
the figures above are always from the run without the profiler.

The data are never copied into the repository. Without them (no /work/shared) the benchmark
prints a note, emits a "skipped" result and exits 0.

    .venv/bin/python bench/bench_tariff.py [--db sqlite|postgres] [--lines 1000] [--requests 6]
                                           [--profile auto|always|never] [--data /work/shared/data]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import random
import shutil
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, fresh_installation, pg_reachable, pg_server_url, summary_ms

PG_DATABASE = "longroom_bench_tariff"
DEFAULT_DATA = Path(os.environ.get("LONGROOM_BENCH_DATA", "/work/shared/data"))
EDITION_CODE = "T2026-0"
EFFECTIVE_FROM = dt.date(2026, 1, 1)
ON = dt.date(2026, 6, 1)  # a Monday: every currency has that day's rate
TARGET_P95_MS = 50.0
TARGET_LINES_PER_S = 1000.0
SEED = 20260601

# ── search queries ─────────────────────────────────────────────────────────────────────────
# What people type: product words, in English and in French, with and without typos, and codes.

ENGLISH = [
    "cotton t-shirt",
    "t-shirts of cotton",
    "men's leather shoes",
    "women's sports footwear",
    "running shoes",
    "frozen shrimp",
    "fresh salmon",
    "canned tuna",
    "laptop computer",
    "portable computer",
    "mobile phone",
    "smartphone",
    "passenger car",
    "motor car spark ignition 1500 cc",
    "electric vehicle",
    "red wine",
    "sparkling wine",
    "beer made from malt",
    "whisky",
    "olive oil",
    "maple syrup",
    "cane sugar",
    "roasted coffee",
    "green tea",
    "chocolate",
    "cheddar cheese",
    "butter",
    "milk powder",
    "fresh apples",
    "bananas",
    "frozen french fries",
    "rice",
    "wheat flour",
    "pasta",
    "bicycle",
    "bicycle parts",
    "lithium-ion battery",
    "solar panels",
    "led lamps",
    "television receiver",
    "headphones",
    "printer cartridges",
    "wooden furniture",
    "office chairs",
    "mattress",
    "bed linen",
    "wool sweater",
    "women's dresses of synthetic fibres",
    "denim jeans",
    "baby clothes",
    "leather handbag",
    "suitcase",
    "wristwatch",
    "gold jewellery",
    "plastic bottles",
    "polyethylene bags",
    "cardboard boxes",
    "printed books",
    "toys",
    "video game consoles",
    "golf clubs",
    "fishing rods",
    "steel screws",
    "aluminium foil",
    "copper wire",
    "stainless steel sink",
    "hand tools",
    "electric drill",
    "vacuum cleaner",
    "refrigerator",
    "washing machine",
    "air conditioner",
    "tires for cars",
    "medicaments",
    "vitamins",
    "shampoo",
    "perfume",
    "toothbrush",
    "ceramic tiles",
    "glass bottles",
]

FRENCH = [
    "t-shirt en coton",
    "chaussures de sport",
    "chaussures en cuir pour hommes",
    "crevettes congelées",
    "saumon frais",
    "thon en conserve",
    "ordinateur portable",
    "téléphone portable",
    "voiture de tourisme",
    "véhicule électrique",
    "vin rouge",
    "vin mousseux",
    "bière",
    "huile d'olive",
    "sirop d'érable",
    "sucre de canne",
    "café torréfié",
    "thé vert",
    "chocolat",
    "fromage cheddar",
    "beurre",
    "lait en poudre",
    "pommes fraîches",
    "bananes",
    "frites congelées",
    "riz",
    "farine de blé",
    "pâtes alimentaires",
    "bicyclette",
    "vélo",
    "batterie lithium-ion",
    "panneaux solaires",
    "lampes à DEL",
    "téléviseur",
    "meubles en bois",
    "chaises de bureau",
    "matelas",
    "linge de lit",
    "chandail de laine",
    "robes pour femmes",
    "jeans en denim",
    "vêtements pour bébés",
    "sac à main en cuir",
    "valise",
    "montre-bracelet",
    "bijoux en or",
    "bouteilles en plastique",
    "livres imprimés",
    "jouets",
    "bâtons de golf",
    "vis en acier",
    "papier d'aluminium",
    "fil de cuivre",
    "outils à main",
    "aspirateur",
    "réfrigérateur",
    "machine à laver",
    "pneus pour voitures",
    "médicaments",
    "parfum",
]

TYPOS = [
    "cottn tshirt",
    "coton t shirt",
    "lether shoes",
    "leathr handbag",
    "bycicle",
    "bicylce parts",
    "labtop computr",
    "frozn shrimps",
    "shrimpp",
    "chese",
    "chedar chese",
    "tomatos",
    "potatos frozen",
    "aluminum foil",
    "alumnium foil",
    "sweter wool",
    "jens denim",
    "refrigirator",
    "wahsing machine",
    "vaccum cleaner",
    "telvision",
    "matress",
    "furnitur wooden",
    "choclate",
    "cofee roasted",
    "whiskey",
    "oliv oil",
    "mapel syrup",
    "batery lithium",
    "solar panles",
    "perfum",
    "shampo",
    "wrist wach",
    "jewelery gold",
    "plastc bottles",
    "screws steal",
    "copper wir",
    "tyres for cars",
    "medicaments vitamns",
    "handbag lether",
]

# (query, language): French typos and code queries asked from the French pages.
FRENCH_TYPOS = [
    "chausures de sport",
    "t-shirt en coton bio",
    "fromag",
    "ordinateur portabel",
    "bicyclete",
    "crevetes congelées",
    "vin rouje",
    "meuble en bois",
]

FIXED_CODES = [
    "6109",
    "8703.23",
    "0406",
    "8471.30",
    "6403",
    "2204.21",
    "0101",
    "9403.60",
    "85",
    "61",
    "8517.13.00",
    "6109.10.00.12",
    "610910",
    "87032300",
    "0406.10.10",
    "2208",
    "9503.00",
    "4202.21",
    "8507.60",
    "3004",
]


def code_queries(numbers: list[str], count: int, rng: random.Random) -> list[str]:
    """Code prefixes drawn from the edition: 2 to 10 digits, typed with or without dots."""
    chosen = []
    for number in rng.sample(numbers, count):
        cut = rng.choice([2, 4, 4, 6, 6, 8, 8, 10])
        digits = number[: min(cut, len(number))]
        if rng.random() < 0.6 and len(digits) > 4:
            groups = [digits[:4], digits[4:6], digits[6:8], digits[8:10]]
            digits = ".".join(g for g in groups if g)
        chosen.append(digits)
    return chosen


def query_plan(numbers: list[str]) -> list[tuple[str, str, str]]:
    """(kind, query, language) — a fixed, shuffled mix of at least 200 queries."""
    rng = random.Random(SEED)
    plan = [("english", q, "en") for q in ENGLISH]
    plan += [("french", q, "fr") for q in FRENCH]
    plan += [("typo", q, "en") for q in TYPOS] + [("typo", q, "fr") for q in FRENCH_TYPOS]
    codes = FIXED_CODES + code_queries(numbers, 30, rng)
    plan += [("code", q, "fr" if i % 4 == 3 else "en") for i, q in enumerate(codes)]
    rng.shuffle(plan)
    return plan


# ── data ───────────────────────────────────────────────────────────────────────────────────


def missing_data(data: Path) -> str | None:
    wanted = [
        data / "tariff" / "ca_tariff.db",
        data / "hs" / "harmonized-system.csv",
        data / "hs" / "sections.csv",
    ]
    absent = [str(p) for p in wanted if not p.is_file()]
    return f"data not found: {', '.join(absent)}" if absent else None


def import_data(data: Path) -> dict[str, Any]:
    from django.core.management import call_command

    from longroom.tariff import services, sources

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter()
    hs = services.hs_nomenclature_import(source=sources.read_hs(data / "hs"))
    hs_done = time.perf_counter()
    report = services.tariff_edition_import(
        path=data / "tariff" / "ca_tariff.db", code=EDITION_CODE, effective_from=EFFECTIVE_FROM
    )
    edition_done = time.perf_counter()
    edition = report.edition
    figures = {
        "migrate_seconds": migrated - started,
        "hs_seconds": hs_done - migrated,
        "hs_codes": hs.added,
        "edition_seconds": edition_done - hs_done,
        "edition_lines": edition.line_count,
        "edition_items": edition.item_count,
    }
    print(
        f"  migrate {figures['migrate_seconds']:.1f} s; HS nomenclature {hs.added:,} codes in "
        f"{figures['hs_seconds']:.1f} s; edition {edition.code}: {edition.line_count:,} lines "
        f"({edition.item_count:,} tariff items) in {figures['edition_seconds']:.1f} s",
        flush=True,
    )
    return figures


# ── search ─────────────────────────────────────────────────────────────────────────────────


def run_search(
    plan: list[tuple[str, str, str]],
) -> tuple[list[float], dict[str, list[float]], dict[str, list[str]]]:
    from longroom.tariff import selectors

    every: list[float] = []
    by_kind: dict[str, list[float]] = {}
    empty: dict[str, list[str]] = {}
    for kind, query, language in plan:
        started = time.perf_counter()
        results = selectors.search(query, on=ON, language=language)
        elapsed = time.perf_counter() - started
        every.append(elapsed)
        by_kind.setdefault(kind, []).append(elapsed)
        if not results:
            empty.setdefault(kind, []).append(f"{query} ({language})")
    return every, by_kind, empty


def bench_search() -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from longroom.tariff import selectors
    from longroom.tariff.models import TariffLine

    edition = selectors.edition_in_force(ON)
    numbers = sorted(
        TariffLine.objects.filter(edition=edition, level__in=(8, 10)).values_list("number", flat=True)
    )
    plan = query_plan(numbers)

    started = time.perf_counter()
    first = selectors.search("cotton t-shirt", on=ON, language="en")
    build = time.perf_counter() - started
    started = time.perf_counter()
    selectors.search("cotton t-shirt", on=ON, language="en")
    repeat = time.perf_counter() - started
    print(
        f"  index build (first query, 'cotton t-shirt'): {build * 1000:,.0f} ms; the same query again "
        f"{repeat * 1000:.1f} ms; top hit {first[0].display if first else '—'}",
        flush=True,
    )
    with CaptureQueriesContext(connection) as captured:
        selectors.search("chaussures de sport", on=ON, language="fr")
    queries_per_search = len(captured)

    every, by_kind, empty = run_search(plan)
    overall = summary_ms(every)
    kinds = {kind: summary_ms(values) for kind, values in sorted(by_kind.items())}
    print(
        f"\n  search ({len(plan)} queries, each once, on {ON}; {queries_per_search} SQL queries per search):\n"
        f"    all        p50 {overall['p50_ms']:6.1f} ms  p95 {overall['p95_ms']:6.1f} ms  "
        f"max {overall['max_ms']:6.1f} ms  (target p95 ≤ {TARGET_P95_MS:.0f} ms)",
        flush=True,
    )
    for kind, figures in kinds.items():
        print(
            f"    {kind:<10} p50 {figures['p50_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms  "
            f"max {figures['max_ms']:6.1f} ms  (n={figures['n']}, {len(empty.get(kind, []))} with no result)",
            flush=True,
        )
    slowest = sorted(zip(every, plan, strict=True), key=lambda pair: -pair[0])[:5]
    print(
        "    slowest: " + "; ".join(f"{q!r} ({lang}) {s * 1000:.0f} ms" for s, (_k, q, lang) in slowest),
        flush=True,
    )
    if empty:
        print("    no result: " + "; ".join(q for queries in empty.values() for q in queries), flush=True)
    for query, language in (("t-shirt en coton", "fr"), ("cottn tshirt", "en"), ("8703.23", "en")):
        hits = selectors.search(query, on=ON, language=language)
        shown = ", ".join(h.display for h in hits[:3]) or "nothing"
        print(f"    {query!r} ({language}) → {shown}", flush=True)
    return {
        "queries": len(plan),
        "build_ms": build * 1000,
        "sql_per_search": queries_per_search,
        **overall,
        "by_kind": kinds,
        "empty": empty,
        "slowest": [{"query": q, "language": lang, "ms": s * 1000} for s, (_k, q, lang) in slowest],
        "plan": plan,
    }


# ── calculator ─────────────────────────────────────────────────────────────────────────────

# Made-up CAD per unit for the day (a benchmark, not a rate anyone should use).
EXCHANGE_RATES = {
    "USD": "1.3650",
    "EUR": "1.4820",
    "GBP": "1.7310",
    "CNY": "0.1890",
    "JPY": "0.009120",
    "MXN": "0.07480",
    "KRW": "0.000985",
}
# (origin, share): CUSMA partners, MFN countries with and without an agreement the edition has
# no column for (the estimate falls back to MFN with a note), and the General Tariff.
ORIGINS = [
    ("US", 30),
    ("CN", 25),
    ("MX", 8),
    ("DE", 8),
    ("JP", 6),
    ("VN", 6),
    ("GB", 5),
    ("KR", 4),
    ("IN", 4),
    ("TW", 3),
    ("KP", 1),
]
CURRENCY_BY_ORIGIN = {
    "US": "USD",
    "CN": "CNY",
    "MX": "MXN",
    "DE": "EUR",
    "JP": "JPY",
    "VN": "USD",
    "GB": "GBP",
    "KR": "KRW",
    "IN": "USD",
    "TW": "USD",
    "KP": "CNY",
}
# Same dimension, other spelling: the estimate converts to the rate's unit.
OTHER_UNIT = {"kg": "g", "litre": "ml", "each": "dozen", "tonne": "kg", "litre_absolute_alcohol": "lpa"}
# Shares of a request by the kind of the item's MFN rate.
KIND_SHARES = {"ad_valorem": 50, "free": 20, "specific": 15, "compound": 15}


def create_exchange_rates() -> None:
    from longroom.tariff.models import ExchangeRate

    ExchangeRate.objects.bulk_create(
        [
            ExchangeRate(currency=currency, date=ON, rate=Decimal(rate), source="bench")
            for currency, rate in EXCHANGE_RATES.items()
        ]
    )


def priced_catalogue() -> dict[str, list[tuple[str, str]]]:
    """Per origin and kind of MFN rate, the items (number, unit of quantity or '') goods of that
    origin can be priced under.

    Items are drawn by the kind of their MFN rate (what the goods are: 50 % ad valorem, 20 % free,
    15 % specific, 15 % compound); the estimate then applies the treatment the origin claims, so a
    US line of an ad valorem item is usually duty-free under UST, as on a real invoice. The unit is
    the one of the rate that will apply when it needs a quantity, else the MFN rate's (invoices carry
    quantities anyway).
    """
    from longroom.tariff import selectors
    from longroom.tariff.estimates import cached_rate
    from longroom.tariff.models import TariffLine
    from longroom.tariff.treatments import claimable_treatments

    edition = selectors.edition_in_force(ON)
    # Tariff items and statistical lines; not the 9-digit dash-level groups ("0105.94.10.1"),
    # which are headings of statistical lines, not something goods are declared under.
    numbers = set(
        TariffLine.objects.filter(edition=edition, level__in=(8, 10)).values_list("number", flat=True)
    )
    items = selectors.priced_items(edition, numbers)
    catalogue: dict[str, list[tuple[str, str]]] = {}
    for origin, _share in ORIGINS:
        claimable = claimable_treatments(origin, ON)
        for number, item in sorted(items.items()):
            mfn = cached_rate(item.rates["MFN"]) if "MFN" in item.rates else None
            if mfn is None or mfn.kind.value not in KIND_SHARES:
                continue
            # The same choice the estimate makes when no treatment is asked for.
            chosen = next(
                (c for c in claimable if c in item.rates and cached_rate(item.rates[c]).is_applicable), None
            )
            if chosen is None:
                continue
            rate = cached_rate(item.rates[chosen])
            if rate.needs_quantity and rate.unit is None:
                continue
            unit = rate.unit if rate.needs_quantity else mfn.unit
            catalogue.setdefault(f"{origin}:{mfn.kind.value}", []).append((number, unit or ""))
    return catalogue


def build_lines(catalogue: dict[str, list[tuple[str, str]]], count: int, seed: int) -> tuple[Any, ...]:
    from longroom.tariff.estimates import EstimateLine
    from longroom.tariff.models import format_tariff_number

    rng = random.Random(seed)
    origins = [o for o, _ in ORIGINS]
    origin_weights = [w for _, w in ORIGINS]
    kinds = list(KIND_SHARES)
    kind_weights = list(KIND_SHARES.values())
    lines = []
    while len(lines) < count:
        origin = rng.choices(origins, origin_weights)[0]
        kind = rng.choices(kinds, kind_weights)[0]
        pool = catalogue.get(f"{origin}:{kind}")
        if not pool:
            continue
        number, unit = rng.choice(pool)
        shown = format_tariff_number(number) if rng.random() < 0.5 else number
        currency = CURRENCY_BY_ORIGIN[origin] if rng.random() < 0.85 else "CAD"
        value = Decimal(rng.randint(50, 250_000)) / 100 * (100 if currency in {"JPY", "KRW"} else 1)
        quantity: Decimal | None = None
        given_unit = ""
        if unit:
            quantity = Decimal(rng.randint(1, 50_000)) / 10
            given_unit = unit
            if rng.random() < 0.25 and unit in OTHER_UNIT:
                given_unit = OTHER_UNIT[unit]
                quantity = quantity * 1000 if given_unit in {"g", "ml"} else quantity
        elif rng.random() < 0.3:
            quantity, given_unit = Decimal(rng.randint(1, 500)), "each"
        lines.append(
            EstimateLine(
                tariff_item=shown,
                origin=origin,
                value=value,
                currency=currency,
                quantity=quantity,
                unit=given_unit if quantity is not None else "",
                surtax_percent=Decimal("25") if origin == "CN" and rng.random() < 0.1 else None,
                anti_dumping=Decimal(rng.randint(1, 9_999)) / 100 if rng.random() < 0.03 else Decimal(0),
                description=f"bench line {len(lines) + 1}",
            )
        )
    return tuple(lines)


def time_estimates(requests: list[Any]) -> list[float]:
    from longroom.tariff.estimates import EstimateRefused, estimate

    seconds = []
    for request in requests:
        started = time.perf_counter()
        try:
            estimate(request)
        except EstimateRefused as refused:
            shown = "; ".join(f"line {p.line} {p.field}: {p.message}" for p in refused.problems[:10])
            raise RuntimeError(
                f"the benchmark's request was refused ({len(refused.problems)}): {shown}"
            ) from None
        seconds.append(time.perf_counter() - started)
    return seconds


def bench_calculator(line_count: int, request_count: int) -> tuple[dict[str, Any], list[Any]]:
    from collections import Counter

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from longroom.tariff.estimates import EstimateRequest, cached_rate, estimate

    create_exchange_rates()
    started = time.perf_counter()
    catalogue = priced_catalogue()
    print(
        f"  calculator: catalogue of priced items built in {time.perf_counter() - started:.1f} s", flush=True
    )
    variants = [("commercial", False, ""), ("casual ON", True, "ON"), ("casual QC", True, "QC")]
    requests = []
    for k in range(request_count + 1):
        _variant, casual, province = variants[k % len(variants)]
        lines = build_lines(catalogue, line_count, SEED + k)
        requests.append(EstimateRequest(date=ON, lines=lines, casual=casual, province=province))

    cached_rate.cache_clear()
    cold = time_estimates(requests[:1])[0]
    with CaptureQueriesContext(connection) as captured:
        done = estimate(requests[1])
    sql = len(captured)
    seconds = time_estimates(requests[1:])
    lines_timed = sum(len(r.lines) for r in requests[1:])
    rate = lines_timed / sum(seconds)
    items = Counter(cached_rate(context.item.rates["MFN"]).kind.value for context in done.contexts)
    kinds = Counter(cached_rate(context.rate_text).kind.value for context in done.contexts)
    treatments = Counter(context.treatment for context in done.contexts)
    currencies = Counter(line.currency for line in requests[1].lines)
    with_quantity = sum(1 for line in requests[1].lines if line.quantity is not None)
    summary = summary_ms(seconds)
    print(
        f"\n  calculator ({request_count} timed requests of {line_count:,} lines, after one warm-up):\n"
        f"    {rate:,.0f} lines/s (target ≥ {TARGET_LINES_PER_S:,.0f}); per request median "
        f"{summary['median_ms']:,.0f} ms, max {summary['max_ms']:,.0f} ms; first (cold rate cache) "
        f"{cold * 1000:,.0f} ms; {sql} SQL queries per request\n"
        f"    one request: items by MFN rate {dict(items.most_common())}; rate applied "
        f"{dict(kinds.most_common())}; treatments {dict(treatments.most_common())}; currencies "
        f"{dict(currencies.most_common())}; {with_quantity} lines with a quantity",
        flush=True,
    )
    return (
        {
            "lines_per_request": line_count,
            "requests": request_count,
            "lines_per_second": rate,
            "cold_ms": cold * 1000,
            "sql_per_request": sql,
            "items_by_mfn_rate": dict(items),
            "rates_applied": dict(kinds),
            "treatments": dict(treatments),
            **summary,
        },
        requests,
    )


# ── profiling ──────────────────────────────────────────────────────────────────────────────


def profile(label: str, work: Callable[[], object], limit: int = 25) -> list[str]:
    profiler = cProfile.Profile()
    profiler.enable()
    work()
    profiler.disable()
    lines: list[str] = []
    for sort in ("cumulative", "tottime"):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(sort).print_stats(limit)
        text = buffer.getvalue()
        body = text[text.find("   ncalls") :] if "   ncalls" in text else text
        print(f"\n  {label} under cProfile, top {limit} by {sort}:", flush=True)
        for line in body.rstrip().splitlines():
            print("    " + line)
            lines.append(line)
    return lines


# ── main ───────────────────────────────────────────────────────────────────────────────────


def run(db: str, data: Path, line_count: int, request_count: int, profile_mode: str) -> dict[str, Any]:
    var_dir, label = fresh_installation("longroom-bench-tariff-", db, PG_DATABASE)
    print(f"tariff ({label}): a fresh installation in {var_dir}", flush=True)
    try:
        result: dict[str, Any] = {"database": label, "import": import_data(data)}
        search = bench_search()
        plan = search.pop("plan")
        result["search"] = search
        calculator, requests = bench_calculator(line_count, request_count)
        result["calculator"] = calculator
        if profile_mode == "always" or (profile_mode == "auto" and search["p95_ms"] > TARGET_P95_MS):
            result["search_profile"] = profile("search, all queries", lambda: run_search(plan))
        if profile_mode == "always" or (
            profile_mode == "auto" and calculator["lines_per_second"] < TARGET_LINES_PER_S
        ):
            result["calculator_profile"] = profile(
                f"calculator, {min(3, len(requests) - 1)} requests", lambda: time_estimates(requests[1:4])
            )
    finally:
        from django.db import connection

        connection.close()
        shutil.rmtree(var_dir, ignore_errors=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--lines", type=int, default=1000, help="lines per calculator request")
    parser.add_argument("--requests", type=int, default=6, help="timed calculator requests")
    parser.add_argument(
        "--profile",
        choices=["auto", "always", "never"],
        default="auto",
        help="profile a part that misses its target (auto), every part, or none",
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="holds tariff/ca_tariff.db and hs/")
    args = parser.parse_args()
    label = "PostgreSQL" if args.db == "postgres" else "SQLite"
    problem = missing_data(args.data)
    if problem:
        print(f"tariff ({label}): skipped, {problem} (the full tariff data are not in the repository)")
        emit({"database": label, "skipped": problem})
        return 0
    if args.db == "postgres":
        problem = pg_reachable(pg_server_url())
        if problem:
            print(f"tariff (PostgreSQL): skipped, no PostgreSQL reachable at {pg_server_url()} ({problem})")
            emit({"database": label, "skipped": problem})
            return 0
    emit(run(args.db, args.data, args.lines, args.requests, args.profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
