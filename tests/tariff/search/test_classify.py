from __future__ import annotations

from longroom.tariff.search import Classifier, parse_attributes


def test_classifier_proposes_6109_for_a_cotton_tshirt(classifier: Classifier) -> None:
    found = classifier.classify("Men's cotton t-shirt, crew neck")
    assert found[0].code6 == "610910"


def test_material_attribute_moves_the_tshirt_to_other_textiles(classifier: Classifier) -> None:
    found = classifier.classify("Summer t-shirt", attributes={"Material": "100% Polyester"})
    assert found[0].code6 == "610990"
    assert found[0].score > next(c.score for c in found if c.code6 == "610910")


def test_shop_category_names_the_goods_when_the_title_does_not(classifier: Classifier) -> None:
    found = classifier.classify(
        "Green dragon 2024 magnetic gift",
        category="Jewelry & Accessories > Fashion Jewelry > Pendants",
        attributes={"Material": "Metal", "Metals Type": "Zinc Alloy"},
    )
    assert found[0].code6 == "711719"


def test_sterling_silver_jewellery_is_precious_not_imitation(classifier: Classifier) -> None:
    found = classifier.classify("Heart pendant necklace", attributes={"Material": "925 Sterling Silver"})
    assert found[0].code6 == "711311"


def test_silver_colour_is_not_silver(classifier: Classifier) -> None:
    found = classifier.classify(
        "Heart pendant necklace, silver color", attributes={"Material": "Zinc alloy, silver plated"}
    )
    assert found[0].code6 == "711719"


def test_human_hair_wig_and_synthetic_wig_part_ways(classifier: Classifier) -> None:
    assert classifier.classify("Lace front wig, 100% human hair")[0].code6 == "670420"
    assert classifier.classify("Cosplay wig", attributes={"Material": "Synthetic fibre"})[0].code6 == "670411"


def test_footwear_goes_by_the_material_of_its_upper(classifier: Classifier) -> None:
    attributes = {"Upper Material": "Mesh", "Outsole Material": "Rubber", "Insole Material": "EVA"}
    assert classifier.classify("Women's sneakers", attributes=attributes)[0].code6[:4] == "6404"
    assert classifier.classify("Women's sneakers", attributes={"Upper Material": "PU"})[0].code6[:4] == "6402"


def test_reasons_name_the_matched_words(classifier: Classifier) -> None:
    top = classifier.classify("plush toy rabbit")[0]
    assert top.code6 == "950300"
    words = {w for r in top.reasons for w in r.words}
    assert "plush toy" in words or "plush" in words
    assert all(r.text("en") and r.text("fr") for r in top.reasons)


def test_french_description_is_classified(classifier: Classifier) -> None:
    assert classifier.classify("t-shirt en coton pour homme", language="fr")[0].code6 == "610910"
    assert classifier.classify("perceuse électrique sans fil", language="fr")[0].code6 == "846721"


def test_device_after_for_does_not_decide(classifier: Classifier) -> None:
    # What follows "for"/"with" is the device served or a feature, not the goods.
    found = classifier.classify("Canvas sneakers with plush toy keychain")
    assert found[0].code6[:2] == "64"


def test_top_five_is_not_five_variants_of_one_heading(classifier: Classifier) -> None:
    heads = [c.code6[:4] for c in classifier.classify("shoes", limit=5)]
    assert max(heads.count(h) for h in heads) <= 2


def test_attributes_may_come_as_a_json_string() -> None:
    assert parse_attributes('{"Material": "Cotton", "Size": 3}') == {"Material": "Cotton", "Size": "3"}
    assert parse_attributes("not json") == {}
    assert parse_attributes(None) == {}


def test_nothing_recognisable_gives_no_candidates(classifier: Classifier) -> None:
    assert classifier.classify("zzqx qqzx") == []


def test_french_phrases_with_apostrophes_and_hyphens_are_translated(classifier: Classifier) -> None:
    assert classifier.classify("boucles d'oreilles en argent 925", language="fr")[0].code6 == "711311"
    assert classifier.classify("tee-shirt en coton", language="fr")[0].code6 == "610910"


def test_fabric_type_attribute_says_knitted_or_woven() -> None:
    from longroom.tariff.search import features as ft
    from longroom.tariff.search.listing import Listing

    woven = Listing.read("Cotton robe", "", {"Fabric Type": "Woven", "Material": "Cotton"}, "en")
    assert woven.detect(ft.KNIT) == ({"woven"}, "attribute")
    knit = Listing.read("Cycling cap", "", {"Craft of Weaving": "Knit"}, "en")
    assert knit.detect(ft.KNIT) == ({"knitted"}, "attribute")


def test_knitted_garment_named_by_a_woven_word_finds_its_twin_heading() -> None:
    from longroom.tariff.search import SearchIndex
    from longroom.tariff.search.loading import documents_from_rows

    rows = [
        ("61", "Apparel and clothing accessories; knitted or crocheted"),
        ("6103", "Men's or boys' suits, ensembles, jackets, trousers; knitted or crocheted"),
        ("610322", "Ensembles; men's or boys', of cotton, knitted or crocheted"),
        (
            "610342",
            "Trousers, bib and brace overalls, breeches and shorts; men's or boys', of cotton, knitted or crocheted",
        ),
        ("62", "Apparel and clothing accessories; not knitted or crocheted"),
        ("6203", "Men's or boys' suits, ensembles, jackets, trousers (not knitted or crocheted)"),
        ("620322", "Ensembles; men's or boys', of cotton (not knitted or crocheted)"),
        (
            "620342",
            "Trousers, bib and brace overalls, breeches and shorts; men's or boys', of cotton (not knitted or crocheted)",
        ),
        ("62034240", "Blue denim jeans"),
    ]
    classifier = Classifier(SearchIndex.build(documents_from_rows(rows)))
    attributes = {"Material": "Cotton", "Gender": "Men"}
    assert classifier.classify("Denim jeans", attributes=attributes)[0].code6 == "620342"
    knitted = classifier.classify("Denim jeans", attributes=attributes | {"Fabric Type": "Knitted"})
    assert knitted[0].code6 == "610342"


def test_stemming_keeps_goods_apart_that_snowball_would_merge() -> None:
    from longroom.tariff.search import text as tx
    from longroom.tariff.search.terms import product_terms

    assert tx.stem_en("glasses") != tx.stem_en("glass")
    assert tx.stem_en("bedding") != tx.stem_en("bed")
    assert tx.stem_en("fitness") != tx.stem_en("fittings") == tx.stem_en("fitting")
    assert tx.stem_en("paintings") == tx.stem_en("painting") != tx.stem_en("paint")
    terms = product_terms()
    assert any(code.startswith("8413") for m in terms.find("water pump") for code, _ in m.codes)
    assert any(code.startswith("9004") for m in terms.find("safety glasses") for code, _ in m.codes)


def test_type_attribute_names_the_goods_only_when_the_listing_does() -> None:
    from longroom.tariff.search.listing import Listing

    bracelet = Listing.read("Charm bracelet", "Jewelry > Bracelets", {"Bracelets Type": "Charm"}, "en")
    assert "bracelets" in bracelet.types
    # A template attribute of another kind of goods ("Sandal Type" on a boot) is not the goods.
    boot = Listing.read("Snow boots", "Shoes > Boots", {"Sandal Type": "Jelly Shoes"}, "en")
    assert "sandal" not in boot.types
    sandal = Listing.read("Jelly sandals", "Shoes > Sandals", {"Back Counter Type": "Back Strap"}, "en")
    assert "counter" not in sandal.types


def test_footwear_outer_sole_attribute_decides_between_6404_and_6405() -> None:
    from longroom.tariff.search import SearchIndex
    from longroom.tariff.search.loading import documents_from_rows

    rows = [
        ("64", "Footwear, gaiters and the like; parts of such articles"),
        ("6404", "Footwear with outer soles of rubber, plastics, leather and uppers of textile materials"),
        (
            "640419",
            "Footwear; (other than sportswear), with outer soles of rubber or plastics and uppers of textile materials",
        ),
        ("640420", "Footwear; outer soles of leather or composition leather, uppers of textile materials"),
        ("6405", "Other footwear"),
        ("640520", "Footwear; with uppers of textile materials, n.e.c. in chapter 64"),
    ]
    classifier = Classifier(SearchIndex.build(documents_from_rows(rows)))
    assert classifier._sole_claims("640419") == {"rubber", "plastics"}
    assert classifier._sole_claims("640420") == {"leather"}
    slippers = "Cotton fabric house slippers"
    rubber = classifier.classify(
        slippers, attributes={"Upper Material": "Cotton", "Outsole Material": "Rubber"}
    )
    assert rubber[0].code6 == "640419"
    fabric = classifier.classify(
        slippers, attributes={"Upper Material": "Cotton", "Outsole Material": "Fabric"}
    )
    assert fabric[0].code6 == "640520"


def test_headings_one_shop_word_names_compete_on_the_stated_material() -> None:
    from longroom.tariff.search import SearchIndex
    from longroom.tariff.search.loading import documents_from_rows

    rows = [
        ("39", "Plastics and articles thereof"),
        ("3926", "Other articles of plastics"),
        ("392690", "Plastics; other articles n.e.c. in chapter 39"),
        ("70", "Glass and glassware"),
        ("7018", "Glass beads, imitation pearls, imitation precious or semi-precious stones"),
        ("701810", "Glass beads, imitation pearls, imitation precious or semi-precious stones"),
        ("71", "Natural, cultured pearls; precious stones and metals, imitation jewellery"),
        ("7117", "Imitation jewellery"),
        ("711719", "Jewellery; imitation, (excluding cuff links and studs), of base metal"),
        ("711790", "Jewellery; imitation, other than of base metal"),
    ]
    classifier = Classifier(SearchIndex.build(documents_from_rows(rows)))
    # "beads" names 3926, 7018 and 7117: silicone beads are the plastics article, not the
    # imitation jewellery that says nothing of plastics.
    found = classifier.classify(
        "Focal letter beads",
        category="Jewelry > Fashion Jewelry > Beads",
        attributes={"Material": "Silicone"},
    )
    assert found[0].code6 == "392690"
    glass = classifier.classify(
        "Round beads", category="Jewelry > Fashion Jewelry > Beads", attributes={"Material": "Glass"}
    )
    assert glass[0].code6 == "701810"


def test_stones_set_in_jewellery_point_at_articles_of_stones(classifier: Classifier) -> None:
    plain = classifier.classify("Stainless steel bracelet", attributes={"Material": "Metal"})
    assert "711620" not in [c.code6 for c in plain[:5]]
    assert not any(r.code == "7116" for c in plain for r in c.reasons)
    # A stone named in the title, the material or a "Main Stone" attribute is set in the article:
    # heading 7116 (articles of precious, semi-precious or synthetic stones) becomes a candidate,
    # with the stone named as the reason; loose stones (7103, 7104, 7018) are not the goods.
    for title, attributes in (
        ("Cubic zirconia stainless steel bracelet", {"Material": "Metal"}),
        ("Stainless steel bracelet", {"Material": "Stainless steel, cubic zirconia"}),
        ("Leaf ring for women", {"Main Stone": "Zircon", "Metals Type": "Copper"}),
    ):
        found = classifier.classify(title, attributes=attributes)
        codes = [c.code6 for c in found[:5]]
        assert "711620" in codes, (title, codes)
        assert not any(c[:4] in {"7103", "7104", "7018"} for c in codes[:2]), codes
        stones = next(c for c in found if c.code6 == "711620")
        assert any(r.kind == "term" and r.code == "7116" for r in stones.reasons)
    pearls = [
        c.code6 for c in classifier.classify("Freshwater pearl pendant", attributes={"Material": "Metal"})
    ]
    assert "711610" in pearls[:5]
