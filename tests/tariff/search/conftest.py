"""A small nomenclature written for these tests: a few chapters, headings, subheadings and
Canadian items (with a dash-level group row), English with some French."""

from __future__ import annotations

import pytest

from longroom.tariff.search import Classifier, Document, SearchIndex
from longroom.tariff.search.loading import documents_from_rows

ROWS: list[tuple[str, str] | tuple[str, str, str]] = [
    ("61", "Apparel and clothing accessories; knitted or crocheted"),
    (
        "6109",
        "T-shirts, singlets and other vests; knitted or crocheted",
        "T-shirts et maillots de corps, en bonneterie",
    ),
    ("610910", "T-shirts, singlets and other vests; of cotton, knitted or crocheted"),
    ("61091000", "Of cotton"),
    ("610910001", "Men's or boys':"),
    ("6109100012", "Other T-shirts"),
    ("610910002", "Women's or girls':"),
    ("6109100022", "Other T-shirts"),
    (
        "610990",
        "T-shirts, singlets and other vests; of textile materials (other than cotton), knitted or crocheted",
    ),
    ("61099000", "Of other textile materials"),
    ("6110", "Jerseys, pullovers, cardigans, waistcoats and similar articles; knitted or crocheted"),
    ("611020", "Jerseys, pullovers, cardigans; of cotton, knitted or crocheted"),
    ("611030", "Jerseys, pullovers, cardigans; of man-made fibres, knitted or crocheted"),
    ("62", "Apparel and clothing accessories; not knitted or crocheted"),
    ("6205", "Shirts; men's or boys' (not knitted or crocheted)"),
    ("620520", "Shirts; men's or boys', of cotton (not knitted or crocheted)"),
    ("620530", "Shirts; men's or boys', of man-made fibres (not knitted or crocheted)"),
    ("64", "Footwear, gaiters and the like; parts of such articles"),
    ("6402", "Footwear with outer soles and uppers of rubber or plastics"),
    ("640299", "Footwear; n.e.c. in heading no. 6402, with outer soles and uppers of rubber or plastics"),
    ("6403", "Footwear with outer soles of rubber, plastics, leather and uppers of leather"),
    ("640399", "Footwear; n.e.c. in heading no. 6403, with uppers of leather"),
    ("6404", "Footwear with outer soles of rubber, plastics, leather and uppers of textile materials"),
    (
        "640411",
        "Sports footwear; tennis shoes, basketball shoes, gym shoes, training shoes, uppers of textile materials",
    ),
    (
        "640419",
        "Footwear; (other than sportswear), with outer soles of rubber or plastics and uppers of textile materials",
    ),
    ("67", "Prepared feathers and down; artificial flowers; articles of human hair"),
    ("6704", "Wigs, false beards, eyebrows and eyelashes, of human or animal hair or of textile materials"),
    ("670411", "Wigs; complete, of synthetic textile materials"),
    ("670420", "Wigs, false beards, eyebrows and eyelashes; of human hair"),
    ("71", "Natural, cultured pearls; precious stones and metals, imitation jewellery"),
    ("7113", "Articles of jewellery and parts thereof, of precious metal"),
    ("711311", "Jewellery; of silver, whether or not plated or clad with other precious metal"),
    ("711319", "Jewellery; of precious metal (excluding silver)"),
    ("7104", "Synthetic or reconstructed precious or semi-precious stones"),
    ("710490", "Synthetic or reconstructed stones; n.e.c. in heading no. 7104"),
    (
        "7116",
        "Articles of natural or cultured pearls, precious or semi-precious stones (natural, synthetic or reconstructed)",
    ),
    ("711610", "Pearls; articles of natural or cultured pearls"),
    ("711620", "Stones; articles of precious or semi-precious stones (natural, synthetic or reconstructed)"),
    ("7117", "Imitation jewellery", "Bijouterie de fantaisie"),
    ("711719", "Jewellery; imitation, (excluding cuff links and studs), of base metal"),
    ("711790", "Jewellery; imitation, other than of base metal"),
    ("84", "Nuclear reactors, boilers, machinery and mechanical appliances; parts thereof"),
    ("8467", "Tools for working in the hand, pneumatic, hydraulic or with self-contained motor"),
    ("846721", "Tools; drills of all kinds, with self-contained electric motor"),
    ("95", "Toys, games and sports requisites; parts and accessories thereof"),
    ("9503", "Tricycles, scooters; dolls; other toys; puzzles of all kinds"),
    ("950300", "Tricycles, scooters, pedal cars; dolls; other toys; scale models; puzzles"),
    ("95030090", "Other"),
    ("950300905", "Toys representing animals or non-human creatures:"),
    ("9503009051", "Stuffed, plush-covered"),
]


@pytest.fixture(scope="session")
def documents() -> list[Document]:
    return documents_from_rows(ROWS)


@pytest.fixture(scope="session")
def index(documents: list[Document]) -> SearchIndex:
    return SearchIndex.build(documents)


@pytest.fixture(scope="session")
def classifier(index: SearchIndex) -> Classifier:
    return Classifier(index)
