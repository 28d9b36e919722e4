"""Tariff treatments and which countries of origin may claim them.

Source: Customs Tariff, Schedule, "List of Countries and Applicable Tariff Treatments", and the
free trade agreements' implementation acts (https://www.cbsa-asfc.gc.ca/trade-commerce/tariff-tarif/).
Eligibility here is by country only; a claim also needs proof of origin, which the calculator
reminds the user of rather than checks. GPT and LDCT beneficiaries are long, often-revised lists
that this project does not yet maintain: those treatments can be claimed only where this table
says so, and the page says which treatments were considered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The order of columns in the CBSA distribution's TPHS table, after the descriptive columns.
TPHS_RATE_COLUMNS: tuple[str, ...] = (
    "MFN",
    "AUT",
    "NZT",
    "CCCT",
    "LDCT",
    "GPT",
    "UST",
    "MXT",
    "CIAT",
    "CT",
    "CRT",
    "IT",
    "NT",
    "SLT",
    "PT",
    "COLT",
    "JT",
    "PAT",
    "HNT",
    "KRT",
    "CEUT",
    "CPTPT",
    "UKT",
    "UAT",
    "General Tariff",
    "CPUKT",
)

# Stored code for the column CBSA heads "General Tariff".
GENERAL_TARIFF = "GT"


def treatment_code(column: str) -> str:
    return (
        GENERAL_TARIFF
        if column.strip().lower() in {"general tariff", "general_rate", "gt"}
        else column.strip()
    )


@dataclass(frozen=True)
class Treatment:
    code: str
    name: str | Promise
    # Empty means: any country not under the General Tariff (that is MFN).
    countries: frozenset[str] = frozenset()
    valid_from: dt.date | None = None


EU_MEMBERS = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
CPTPP_MEMBERS = frozenset(["AU", "BN", "CL", "JP", "MY", "MX", "NZ", "PE", "SG", "VN"])
COMMONWEALTH_CARIBBEAN = frozenset(
    [
        "AI",
        "AG",
        "BS",
        "BB",
        "BZ",
        "BM",
        "VG",
        "KY",
        "DM",
        "GD",
        "GY",
        "JM",
        "MS",
        "KN",
        "LC",
        "VC",
        "TT",
        "TC",
    ]
)
# The UN list of least developed countries (2024), which the LDCT follows.
LEAST_DEVELOPED = frozenset(
    [
        "AF",
        "AO",
        "BD",
        "BJ",
        "BF",
        "BI",
        "KH",
        "CF",
        "TD",
        "KM",
        "CD",
        "DJ",
        "ER",
        "ET",
        "GM",
        "GN",
        "GW",
        "HT",
        "KI",
        "LA",
        "LS",
        "LR",
        "MG",
        "MW",
        "ML",
        "MR",
        "MZ",
        "MM",
        "NP",
        "NE",
        "RW",
        "ST",
        "SN",
        "SL",
        "SB",
        "SO",
        "SS",
        "SD",
        "TL",
        "TG",
        "TV",
        "UG",
        "TZ",
        "YE",
        "ZM",
    ]
)
# Countries Canada denies MFN treatment (General Tariff): North Korea, and Russia and Belarus
# since 3 March 2022 (Customs Tariff s.31 order, SOR/2022-43).
GENERAL_TARIFF_COUNTRIES = frozenset({"KP", "RU", "BY"})

TREATMENTS: dict[str, Treatment] = {
    t.code: t
    for t in (
        Treatment("MFN", _("Most-Favoured-Nation Tariff")),
        Treatment(GENERAL_TARIFF, _("General Tariff"), GENERAL_TARIFF_COUNTRIES),
        Treatment("UST", _("United States Tariff (CUSMA)"), frozenset({"US", "PR", "VI", "GU", "AS", "MP"})),
        Treatment("MXT", _("Mexico Tariff (CUSMA)"), frozenset({"MX"})),
        Treatment("CEUT", _("Canada–European Union Tariff (CETA)"), EU_MEMBERS, dt.date(2017, 9, 21)),
        Treatment(
            "CPTPT",
            _("Comprehensive and Progressive Trans-Pacific Partnership Tariff"),
            CPTPP_MEMBERS,
            dt.date(2018, 12, 30),
        ),
        Treatment(
            "CPUKT", _("CPTPP Tariff for the United Kingdom"), frozenset({"GB"}), dt.date(2024, 12, 15)
        ),
        Treatment("UKT", _("United Kingdom Tariff"), frozenset({"GB"}), dt.date(2021, 4, 1)),
        Treatment("KRT", _("Korea Tariff"), frozenset({"KR"}), dt.date(2015, 1, 1)),
        Treatment("CT", _("Chile Tariff"), frozenset({"CL"})),
        Treatment("COLT", _("Colombia Tariff"), frozenset({"CO"})),
        Treatment("PT", _("Peru Tariff"), frozenset({"PE"})),
        Treatment("PAT", _("Panama Tariff"), frozenset({"PA"})),
        Treatment("HNT", _("Honduras Tariff"), frozenset({"HN"})),
        Treatment("CRT", _("Costa Rica Tariff"), frozenset({"CR"})),
        Treatment("CIAT", _("Canada–Israel Agreement Tariff"), frozenset({"IL", "PS"})),
        Treatment("JT", _("Jordan Tariff"), frozenset({"JO"})),
        Treatment("UAT", _("Ukraine Tariff"), frozenset({"UA"})),
        Treatment("IT", _("Iceland Tariff"), frozenset({"IS"})),
        Treatment("NT", _("Norway Tariff"), frozenset({"NO", "SJ"})),
        Treatment("SLT", _("Switzerland–Liechtenstein Tariff"), frozenset({"CH", "LI"})),
        Treatment("AUT", _("Australia Tariff"), frozenset({"AU"})),
        Treatment("NZT", _("New Zealand Tariff"), frozenset({"NZ"})),
        Treatment("CCCT", _("Commonwealth Caribbean Countries Tariff"), COMMONWEALTH_CARIBBEAN),
        Treatment("LDCT", _("Least Developed Country Tariff"), LEAST_DEVELOPED),
    )
}


def treatment_name(code: str) -> str | Promise:
    treatment = TREATMENTS.get(code)
    return treatment.name if treatment else code


def claimable_treatments(country: str, on: dt.date) -> list[str]:
    """Treatments goods of `country` may claim on `on`, most favourable kind first (MFN last)."""
    country = country.upper()
    if country in GENERAL_TARIFF_COUNTRIES:
        return [GENERAL_TARIFF]
    preferential = [
        t.code
        for t in TREATMENTS.values()
        if t.countries
        and t.code != GENERAL_TARIFF
        and country in t.countries
        and (t.valid_from is None or t.valid_from <= on)
    ]
    return [*preferential, "MFN"]


def default_treatment(country: str, on: dt.date) -> str:
    return claimable_treatments(country, on)[0]
