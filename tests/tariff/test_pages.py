"""The public tariff pages, in English and French, over the shipped sample edition, the HS
nomenclature and the sample exchange rates (as a fresh installation has them after `demo_load`).

Dates are given explicitly where a page takes one: the sample rates cover 2026-11-02 to 2026-11-20.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from .conftest import SAMPLE_FRIDAY, SAMPLE_SATURDAY, has_element, links, page, text_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hs_loaded", "sample_edition", "sample_rates")]

DAY = SAMPLE_FRIDAY.isoformat()
BOTH = pytest.mark.parametrize("lang", ["en", "fr"])


def lang_of(response) -> str:
    return page(response).get("lang")


# --- home, search, browse, item --------------------------------------------------------------


@BOTH
def test_tools_home_offers_search_and_lists_the_loaded_edition(client, lang):
    response = client.get(f"/{lang}/tariff/")
    assert response.status_code == 200
    assert lang_of(response) == lang
    assert page(response).xpath(f'//form[@role="search"][@action="/{lang}/tariff/search/"]//input[@name="q"]')
    assert "T2026-0-SAMPLE" in response.content.decode()
    for tool in ("browse/", "calculator/", "exchange-rates/"):
        assert f"/{lang}/tariff/{tool}" in links(response)


@BOTH
def test_a_sample_edition_shows_the_sample_tariff_notice(client, lang):
    for url in (f"/{lang}/tariff/items/6109.10.00/?date={DAY}", f"/{lang}/tariff/search/?q=shirt&date={DAY}"):
        response = client.get(url)
        assert has_element(response, "sample-edition-notice"), url
        assert "T2026-0-SAMPLE" in text_of(response, "sample-edition-notice")


def test_searching_cotton_t_shirt_lists_6109_10_00_with_its_rates(client):
    response = client.get(f"/en/tariff/search/?q=cotton+t-shirt&date={DAY}")
    assert response.status_code == 200
    assert "/en/tariff/items/61091000/" in links(response, within="search-results")
    results = text_of(response, "search-results")
    assert "6109.10.00" in results
    assert "18 %" in results


def test_searching_in_french_t_shirt_en_coton_finds_6109_10_00(client):
    response = client.get(f"/fr/tariff/search/?q=t-shirt+en+coton&date={DAY}")
    assert response.status_code == 200
    assert lang_of(response) == "fr"
    assert "/fr/tariff/items/61091000/" in links(response, within="search-results")
    assert "de coton" in text_of(response, "search-results")


def test_an_empty_search_asks_for_words(client):
    response = client.get("/en/tariff/search/?q=")
    assert response.status_code == 200
    assert not has_element(response, "search-results")
    alerts = page(response).xpath('//form[@role="search"]//*[@role="alert"]')
    assert alerts and "This field is required." in alerts[0].text_content()


def test_a_search_before_the_first_edition_explains_there_is_no_tariff_that_day(client):
    response = client.get("/en/tariff/search/?q=shirt&date=2020-01-01")
    assert response.status_code == 200
    assert "2020-01-01 is before the first loaded edition of the tariff" in response.content.decode()
    assert not has_element(response, "search-results")


@BOTH
def test_browsing_starts_with_the_sections_and_their_chapters(client, lang):
    response = client.get(f"/{lang}/tariff/browse/")
    assert response.status_code == 200
    assert f"/{lang}/tariff/browse/61/" in links(response)
    titles = page(response).xpath("//gcds-details/@details-title")
    textiles = (
        "Matières textiles et ouvrages en ces matières" if lang == "fr" else "Textiles and textile articles"
    )
    assert any(title.startswith(f"{title.split()[0]} XI — {textiles}") for title in titles)


def test_browsing_leads_from_chapter_to_heading_to_subheading_to_the_item(client):
    chapter = client.get(f"/en/tariff/browse/61/?date={DAY}")
    assert "/en/tariff/browse/6109/" in links(chapter, within="tree-children")
    heading = client.get(f"/en/tariff/browse/6109/?date={DAY}")
    assert links(heading, within="tree-children") == [
        "/en/tariff/browse/610910/",
        "/en/tariff/browse/610990/",
    ]
    subheading = client.get(f"/en/tariff/browse/610910/?date={DAY}")
    assert links(subheading, within="tree-children") == ["/en/tariff/items/61091000/"]
    assert "6109.10.00" in text_of(subheading, "tree-children")


def test_browsing_in_french_shows_the_french_description_of_sample_items(client):
    response = client.get(f"/fr/tariff/browse/610910/?date={DAY}")
    assert "de coton" in text_of(response, "tree-children")


@pytest.mark.parametrize("code", ["abc", "99999999999", "9999", "0"])
def test_browsing_a_code_that_does_not_exist_answers_404(client, code):
    assert client.get(f"/en/tariff/browse/{code}/").status_code == 404


@BOTH
def test_the_item_page_shows_the_rates_by_treatment(client, lang):
    response = client.get(f"/{lang}/tariff/items/6109.10.00/?date={DAY}")
    assert response.status_code == 200
    assert text_of(response, "item-number") == "6109.10.00"
    rows = [
        [" ".join(cell.text_content().split()) for cell in row.xpath("./th/abbr|./td")]
        for row in page(response).xpath('//*[@id="item-rates"]/tbody/tr')
    ]
    assert rows == [["MFN", "18 %"], ["UST", "Free"], ["MXT", "Free"], ["GT", "35%"]]
    assert f"/{lang}/tariff/calculator/" in links(response)


def test_a_statistical_line_page_shows_the_rates_it_takes_from_its_tariff_item(client):
    response = client.get(f"/en/tariff/items/6109.10.00.12/?date={DAY}")
    rates = text_of(response, "item-rates")
    assert "18 %" in rates
    assert "from tariff item 6109.10.00" in rates


def test_an_unknown_item_answers_404(client):
    assert client.get(f"/en/tariff/items/9999.99.99/?date={DAY}").status_code == 404


def test_an_item_asked_for_before_the_first_edition_answers_404_with_the_reason(client):
    response = client.get("/en/tariff/items/6109.10.00/?date=2020-01-01")
    assert response.status_code == 404
    assert "2020-01-01 is before the first loaded edition of the tariff" in response.content.decode()


def test_an_unreadable_date_on_a_page_falls_back_to_today_rather_than_failing(client):
    assert client.get("/en/tariff/items/6109.10.00/?date=not-a-date").status_code == 200
    assert client.get("/en/tariff/browse/61/?date=2026-02-31").status_code == 200


# --- exchange rates --------------------------------------------------------------------------


@BOTH
def test_the_exchange_rate_page_gives_fridays_rate_on_a_saturday(client, lang):
    response = client.get(f"/{lang}/tariff/exchange-rates/?currency=USD&date={SAMPLE_SATURDAY}")
    assert response.status_code == 200
    shown = text_of(response, "rate-result")
    assert ("1,395600" if lang == "fr" else "1 USD = 1.395600 CAD") in shown
    assert "2026-11-13" in shown  # the Friday the rate was published


def test_the_exchange_rate_page_says_when_no_rate_applies(client):
    response = client.get("/en/tariff/exchange-rates/?currency=USD&date=2026-12-31")
    assert response.status_code == 200
    assert (
        "No exchange rate for USD is published on or in the 7 days before 2026-12-31."
        in response.content.decode()
    )


@pytest.mark.parametrize(
    "query", ["currency=ZZZ&date=bad", "currency=&date=", "currency=usd&date=1990-01-01"]
)
def test_the_exchange_rate_page_survives_garbage(client, query):
    assert client.get(f"/en/tariff/exchange-rates/?{query}").status_code == 200


# --- calculator ------------------------------------------------------------------------------


def calculator_form(lines: list[dict[str, str]] | None = None, **settings: str) -> dict[str, str]:
    lines = lines if lines is not None else [{}]
    data = {
        "date": DAY,
        "import_kind": "commercial",
        "province": "",
        "line-TOTAL_FORMS": str(len(lines)),
        "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "1",
        "line-MAX_NUM_FORMS": "50",
        "calculate": "",
    }
    for index, typed in enumerate(lines):
        one = {
            "tariff_item": "6109.10.00",
            "origin": "CN",
            "treatment": "",
            "value": "100",
            "currency": "USD",
        }
        one |= typed
        data |= {f"line-{index}-{name}": value for name, value in one.items()}
    return data | settings


def test_the_calculator_opened_from_an_item_has_the_item_filled_in(client):
    response = client.get("/en/tariff/calculator/?item=6109.10.00")
    assert response.status_code == 200
    assert page(response).xpath('//input[@name="line-0-tariff_item"]/@value') == ["6109.10.00"]


@pytest.mark.parametrize(("lang", "total"), [("en", "33.35"), ("fr", "33,35")])
def test_calculating_one_line_shows_the_total(client, lang, total):
    response = client.post(f"/{lang}/tariff/calculator/", calculator_form())
    assert response.status_code == 200
    assert lang_of(response) == lang
    assert text_of(response, "result-total") == total
    figures = text_of(response, "result-table")
    for amount in ("139.56", "25.12", "164.68", "8.23"):
        assert (amount.replace(".", ",") if lang == "fr" else amount) in figures
    assert not has_element(response, "calculator-problems")


def test_a_result_from_the_sample_edition_says_it_is_a_demonstration(client):
    response = client.post("/en/tariff/calculator/", calculator_form())
    assert "Calculated with a sample of the tariff, for demonstration." in text_of(
        response, "calculator-result"
    )


def test_several_lines_are_totalled(client):
    response = client.post(
        "/en/tariff/calculator/",
        calculator_form(
            [{}, {"tariff_item": "1806.32.00", "origin": "US", "value": "1000", "currency": "CAD"}]
        ),
    )
    assert response.status_code == 200
    assert text_of(response, "result-total") == "83.35"


def test_adding_another_line_keeps_what_was_typed(client):
    data = calculator_form([{"value": "12.5x", "description": "Cotton tees"}])
    del data["calculate"]
    data["add_line"] = ""
    response = client.post("/en/tariff/calculator/", data)
    assert response.status_code == 200
    assert not has_element(response, "calculator-result")
    form = page(response)
    assert form.xpath('//input[@name="line-0-tariff_item"]/@value') == ["6109.10.00"]
    assert form.xpath('//input[@name="line-0-value"]/@value') == ["12.5x"]
    assert form.xpath('//input[@name="line-0-description"]/@value') == ["Cotton tees"]
    assert form.xpath('//select[@name="line-0-origin"]/option[@selected]/@value') == ["CN"]
    assert form.xpath('//input[@name="line-1-currency"]/@value') == ["CAD"]
    assert form.xpath('//input[@name="line-TOTAL_FORMS"]/@value') == ["2"]
    assert form.xpath('//form[@id="calculator-form"]//input[@name="date"]/@value') == [DAY]


def test_adding_a_line_to_a_tampered_form_does_not_fail(client):
    client.raise_request_exception = False
    data = calculator_form()
    del data["calculate"]
    data |= {"add_line": "", "line-TOTAL_FORMS": "two"}
    assert client.post("/en/tariff/calculator/", data).status_code in (200, 422)


BAD_INPUTS = [
    ({"line-0-value": "abc"}, "Enter a number."),
    ({"line-0-value": "-5"}, "greater than or equal to 0"),
    ({"line-0-value": "1e400"}, "Ensure that there are no more than"),
    ({"line-0-value": "NaN"}, "Enter a number."),
    ({"line-0-value": ""}, "This field is required."),
    ({"line-0-quantity": "1e30"}, "Ensure that there are no more than"),
    ({"date": "2026-13-45"}, "Enter a valid date."),
    ({"date": ""}, "This field is required."),
    ({"date": "1999-01-01"}, "1999-01-01 is before the first loaded edition of the tariff"),
    ({"line-0-currency": "ZZZ"}, "“ZZZ” is not a currency code."),
    ({"line-0-currency": "EUR", "date": "2026-12-31"}, "Line 1: No exchange rate for EUR is published"),
    ({"line-0-tariff_item": "garbage"}, "Line 1: garbage is not a tariff item in edition T2026-0-SAMPLE."),
    ({"line-0-tariff_item": "0406.10.10"}, "give the quantity in kg"),
    ({"line-0-origin": "XX"}, "Select a valid choice."),
    ({"line-0-treatment": "UST"}, "Goods from CN cannot claim the United States Tariff (CUSMA)"),
    ({"line-0-treatment": "ZZZT"}, "Select a valid choice."),
    ({"import_kind": "casual"}, "Choose the province or territory the goods are going to."),
    ({"import_kind": "smuggled"}, "Select a valid choice."),
    ({"line-TOTAL_FORMS": "abc"}, "Enter a whole number."),
    ({"line-TOTAL_FORMS": "0"}, "Please submit at least 1 form."),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INPUTS, ids=[str(c) for c, _ in BAD_INPUTS])
def test_bad_calculator_input_is_shown_again_with_a_message_and_no_figures(client, changes, message):
    client.raise_request_exception = False
    response = client.post("/en/tariff/calculator/", calculator_form() | changes)
    assert response.status_code == 422
    assert not has_element(response, "calculator-result")
    assert message in response.content.decode()


def test_a_huge_but_valid_value_is_calculated(client):
    response = client.post("/en/tariff/calculator/", calculator_form([{"value": "99999999999999.9999"}]))
    assert response.status_code == 200
    assert text_of(response, "result-total") == "33354840000000.00"


def test_a_casual_import_to_quebec_adds_qst(client):
    response = client.post("/en/tariff/calculator/", calculator_form(import_kind="casual", province="QC"))
    assert response.status_code == 200
    assert text_of(response, "result-total") == "49.78"


# --- CSV upload and export -------------------------------------------------------------------

FRENCH_CSV = "tariff_item;origin;value;currency\n6109.10.00;CN;100,50;USD\n\n1806.32.00;US;1 000,00;CAD\n"


def upload(client, content: bytes, lang: str = "en", **settings: str):
    data = {"upload": "1", "date": DAY, "import_kind": "commercial", "province": ""} | settings
    data["file"] = SimpleUploadedFile("lines.csv", content, content_type="text/csv")
    return client.post(f"/{lang}/tariff/calculator/", data)


def test_uploading_a_csv_calculates_every_line(client):
    response = upload(client, FRENCH_CSV.encode())
    assert response.status_code == 200
    assert text_of(response, "result-total") == "83.53"
    table = text_of(response, "result-table")
    assert "6109.10.00" in table and "1806.32.00" in table


def test_an_uploaded_csv_with_bad_rows_lists_them_by_file_row(client):
    response = upload(
        client, b"tariff_item,origin,value\n6109.10.00,CN,abc\n6109.10.00,,5\n9999.99.99,CN,1\n"
    )
    assert response.status_code == 422
    problems = text_of(response, "calculator-problems")
    assert "Line 2: “abc” is not a positive number." in problems
    assert "Line 3: This column is required." in problems
    assert not has_element(response, "calculator-result")


def test_an_uploaded_file_that_is_not_a_csv_of_lines_is_refused_with_a_message(client):
    response = upload(client, b"\xff\xfe\x00\x01 binary garbage")
    assert response.status_code == 422
    assert "The first row must name the columns" in text_of(response, "calculator-problems")


def test_an_uploaded_csv_with_an_absurd_value_is_refused_with_a_message(client):
    client.raise_request_exception = False
    response = upload(client, b"tariff_item,origin,value\n6109.10.00,CN,1e30\n")
    assert response.status_code == 422
    assert has_element(response, "calculator-problems")


def export_from(response, client):
    """Press "Download as CSV" on a result page: post its hidden form as the browser would."""
    form = page(response).xpath('//form[.//button[@id="export-csv"]]')[0]
    data = {field.get("name"): field.get("value") or "" for field in form.xpath(".//input[@name]")}
    return client.post(form.get("action"), data)


def test_downloading_the_result_as_csv_recalculates_the_same_figures(client):
    result = upload(client, FRENCH_CSV.encode())
    export = export_from(result, client)
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert export["Content-Disposition"].startswith('attachment; filename="duties-and-taxes-')
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [(r["Tariff item"], r["Tariff treatment"], r["Value for duty (VFD)"], r["Customs duty"], r["GST"],
             r["Total duties and taxes"]) for r in rows] == [
        ("6109.10.00", "MFN", "140.26", "25.25", "8.28", "33.53"),
        ("1806.32.00", "UST", "1000.00", "0.00", "50.00", "50.00"),
        ("Total", "", "1140.26", "25.25", "58.28", "83.53"),
    ]  # fmt: skip


def test_the_csv_export_works_from_the_lines_so_changed_lines_give_new_figures(client):
    lines = "tariff_item,origin,value,currency\n6109.10.00,CN,200,CAD\n"
    export = client.post(
        "/en/tariff/calculator/export.csv",
        {"date": DAY, "import_kind": "commercial", "province": "", "lines_csv": lines},
    )
    total = list(csv.reader(io.StringIO(export.content.decode())))[-1]
    assert total[0] == "Total"
    assert total[-1] == "47.80"  # 36.00 duty + 5 % GST on 236.00


@pytest.mark.parametrize(
    "data",
    [
        {"date": "bad"},
        {"date": DAY, "import_kind": "commercial", "lines_csv": "garbage"},
        {"date": DAY, "import_kind": "commercial", "lines_csv": "tariff_item,origin,value\n1234,CN,5\n"},
    ],
)
def test_a_broken_csv_export_request_answers_400_with_a_message(client, data):
    response = client.post("/en/tariff/calculator/export.csv", data)
    assert response.status_code == 400
    assert response.content.strip()


def test_the_example_upload_file_can_be_uploaded_as_it_is(client):
    example = client.get("/en/tariff/calculator/template.csv")
    assert example.status_code == 200
    response = upload(client, example.content)
    assert response.status_code == 200
    assert has_element(response, "result-total")
