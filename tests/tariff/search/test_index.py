from __future__ import annotations

import pytest

from longroom.tariff.search import Document, Hit, SearchIndex


def codes(hits: list[Hit]) -> list[str]:
    return [hit.code for hit in hits]


def test_cotton_tshirt_finds_6109_first(index: SearchIndex) -> None:
    hits = index.search("cotton t-shirt", language="en")
    assert hits[0].code == "610910"
    assert {"cotton", "tshirt"} <= set(hits[0].matched_terms)


def test_french_query_tshirt_en_coton_finds_6109(index: SearchIndex) -> None:
    hits = index.search("t-shirt en coton", language="fr")
    assert hits[0].code.startswith("6109")
    assert "coton" in hits[0].matched_terms


def test_french_vocabulary_translates_phrases(index: SearchIndex) -> None:
    assert index.search("bijoux de fantaisie", language="fr")[0].code.startswith("7117")
    assert index.search("chaussures", language="fr")[0].code.startswith("64")
    found = codes(index.search("jouet en peluche", language="fr"))
    assert found[0].startswith("9503") and "9503009051" in found[:3]


@pytest.mark.parametrize(
    "query", ["coton tshirt", "t-shrit", "cottn tshirts", "T SHIRTS COTTON", "cotton tee shirt"]
)
def test_typo_and_plural_are_tolerated(index: SearchIndex, query: str) -> None:
    assert index.search(query, language="en")[0].code.startswith("6109")


def test_word_order_does_not_matter(index: SearchIndex) -> None:
    assert codes(index.search("cotton t-shirt"))[:3] == codes(index.search("t-shirt cotton"))[:3]


@pytest.mark.parametrize(
    ("query", "first"), [("6109", "6109"), ("61.09", "6109"), ("6109.10", "610910"), ("610910", "610910")]
)
def test_code_prefix_returns_descendants(index: SearchIndex, query: str, first: str) -> None:
    found = codes(index.search(query))
    assert found[0] == first
    assert all(code.startswith(first) for code in found)
    assert "61091000" in found and "6109100012" in found
    # The code itself, then its children before its grandchildren.
    assert [len(c) for c in found] == sorted(len(c) for c in found)


def test_code_prefix_with_words_searches_within_the_code(index: SearchIndex) -> None:
    found = codes(index.search("6109 women"))
    assert found[0] == "6109100022"
    assert all(code.startswith("6109") for code in found)


def test_levels_keep_only_codes_of_those_lengths(index: SearchIndex) -> None:
    assert {len(c) for c in codes(index.search("cotton", levels=[6]))} == {6}


def test_group_rows_give_context_but_are_never_hits(index: SearchIndex) -> None:
    # "Men's or boys':" (6109.10.00.1) is a dash-level group row: its words reach the lines under it.
    found = codes(index.search("men t-shirts cotton", limit=50))
    assert "610910001" not in found
    assert found.index("6109100012") < found.index("6109100022")


def test_tree_skips_group_rows(index: SearchIndex) -> None:
    assert index.children("61091000") == ["6109100012", "6109100022"]
    assert [d.code for d in index.path("6109100012")] == ["61", "6109", "610910", "61091000", "6109100012"]
    assert index.children("") == ["61", "62", "64", "67", "71", "84", "95"]
    assert "610910001" not in index and "610910" in index


def test_excluded_material_is_not_found(index: SearchIndex) -> None:
    # 6109.90 is "of textile materials (other than cotton)": a cotton query must not prefer it.
    ranked = codes(index.search("cotton vests", levels=[6]))
    assert ranked.index("610910") < ranked.index("610990")


def test_everyday_words_find_their_heading(index: SearchIndex) -> None:
    # "sneakers" is nowhere in the tariff; the product-term index knows it is footwear.
    assert index.search("sneakers")[0].code[:2] == "64"
    assert index.search("plush toy")[0].code.startswith("9503")


def test_french_text_of_a_document_is_searchable(index: SearchIndex) -> None:
    assert index.search("bonneterie", language="fr")[0].code.startswith("6109")


def test_unknown_words_find_nothing(index: SearchIndex) -> None:
    assert index.search("zzqx") == []
    assert index.search("") == []


def test_duplicate_codes_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        SearchIndex.build([Document("61", 2, "Apparel"), Document("61", 2, "Apparel again")])


def test_codes_must_be_digits() -> None:
    with pytest.raises(ValueError, match="digits"):
        SearchIndex.build([Document("61.09", 4, "T-shirts")])
