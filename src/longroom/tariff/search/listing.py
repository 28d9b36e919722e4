"""Reading a shop listing: title, category path and attributes, as the classifier needs them.

Shops put the goods' name anywhere in a keyword-stuffed title, a department and a leaf category
("Jewelry & Accessories > Fashion Jewelry > Pendants"), and attributes under names of their own
choosing ("Material", "Upper Material", "Metals Type", "Item Type"). `Listing.read` sorts them
into what describes the goods (title head, leaf, types), what they are made of, and for whom.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from longroom.tariff.search import features as ft
from longroom.tariff.search import text as tx
from longroom.tariff.search.index import Language
from longroom.tariff.search.resources import read_lines, read_pairs
from longroom.tariff.search.terms import product_terms
from longroom.tariff.search.vocabulary import french_lexicon

# How a fact about the goods was learnt: an attribute says it, words hint at it, or nothing
# was said and the usual case is assumed (a whole article, not a part).
Firmness = Literal["attribute", "words", "default"]

# Attribute names, as shops write them, whose values describe the goods. The material of a
# lining, insole, outsole or wig base does not classify the goods; a shoe's upper does.
_MATERIAL_KEY = re.compile(r"material|fabric|fibre|fiber|metals? type|plastic type|composition|matiere|tissu")
_NOT_MATERIAL_KEY = re.compile(
    r"lining|insole|outsole|\bsole\b|\bbase\b|\blace\b|shaft|handle|strap|doublure"
)
_DECISIVE_KEY = re.compile(r"upper|main material|dessus")
# A shoe's outer sole: with the upper it decides the heading (6402-6405).
_SOLE_KEY = re.compile(r"outsole|outer sole|semelle exterieure")
# The stones set in jewellery ("Main Stone: Zircon", "Side Stone: Crystal"): with the metal they
# decide between 7113/7117 and 7116 (articles of precious, semi-precious or synthetic stones).
_STONE_KEY = re.compile(r"\bstones?\b|\bgem|pierre")
_TYPE_KEY = re.compile(r"^(?:item |product |goods |)(?:type|category|kind)$|^type d'article$|^categorie$")
# "<something> Type" keys that name a property, not the goods ("Closure Type: Zipper").
_NOT_GOODS_KEY = re.compile(
    r"closure|pattern|heel|clasp|setting|\bfit\b|waist|version|certificat|sleeve|collar|neck|\btoe\b"
    r"|\block\b|battery|plug|power|display|screen|control|connect|interface|shape|style|packag|mount"
    r"|\bcup\b|season|occasion|theme|chain|stone|cap\b|lens|sole|lining|material|fabric|metal"
    r"|sport|counter|vamp|handle|strap"
)
_GENDER_KEY = re.compile(r"gender|department|sexe|genre")
# Attribute names whose values say how the fabric is made ("Fabric Type: Woven", "Craft of
# Weaving: Knit"); they also go on being read as material ("Fabric Type: PU").
_KNIT_KEY = re.compile(r"fabric type|weav|\bknit|crochet|tissage")
_SKIP_VALUE = re.compile(r"^(?:none|other|others|no|yes|n/?a|null|\d+(?:\.\d+)?)$", re.I)
# Shop-category segments that are bookkeeping, not goods ("(Old, Obsolete)", "Do Not Post").
_CATEGORY_NOISE = re.compile(r"\([^)]*\)|do not post[^>]*|obsolete|deactivate|\bnew\b", re.I)


def _read_chapter_priors() -> dict[str, dict[str, float]]:
    priors: dict[str, dict[str, float]] = {}
    for name, spec in read_pairs("shop_categories.tsv"):
        chapters = {}
        for part in spec.split():
            chapter, _, weight = part.partition(":")
            chapters[chapter] = float(weight) if weight else 1.0
        priors[tx.fold(name)] = chapters
    return priors


CHAPTER_PRIORS = _read_chapter_priors()
_LISTING_NOISE = frozenset(word for line in read_lines("listing_noise.txt") for word in line.split())


@dataclass(slots=True)
class Listing:
    """A listing sorted into the parts the classifier weighs."""

    name: str
    category: str
    leaf: str
    types: str
    materials: str
    material_words: str
    gender_words: str
    metal_words: str = ""
    knit_words: str = ""
    sole_words: str = ""
    stone_words: str = ""
    department: str = ""  # the shop's top-level category, folded

    @property
    def name_head(self) -> str:
        return _split_title(self.name)[0]

    @property
    def name_tail(self) -> str:
        return _split_title(self.name)[1]

    @classmethod
    def read(
        cls, description: str, category: str, attributes: Mapping[str, str], language: Language
    ) -> Listing:
        segments = [_clean_segment(s) for s in re.split(r">|/|\|", category)]
        segments = [s for s in segments if len(re.sub(r"[^a-z]", "", s.lower())) >= 3]
        leaf = segments[-1] if segments else ""
        types: list[str] = []
        metals: list[str] = []
        materials: list[str] = []
        decisive: list[str] = []
        genders: list[str] = []
        knits: list[str] = []
        soles: list[str] = []
        stones: list[str] = []
        terms = product_terms()
        named = _stems(description + " " + category)
        for key, raw in attributes.items():
            value = str(raw).strip()
            if not value or _SKIP_VALUE.match(value):
                continue
            k = tx.fold(key).strip()
            if _KNIT_KEY.search(k):
                knits.append(value)
            if _SOLE_KEY.search(k):
                soles.append(value)
            if _STONE_KEY.search(k):
                stones.append(value)
            if _MATERIAL_KEY.search(k):
                if "metal" in k:
                    metals.append(value)
                if _DECISIVE_KEY.search(k):
                    decisive.append(value)
                elif not _NOT_MATERIAL_KEY.search(k):
                    materials.append(value)
            elif _GENDER_KEY.search(k):
                genders.append(value)
            elif _TYPE_KEY.search(k):
                types.append(value)
            elif (
                k.endswith(" type")
                and not _NOT_GOODS_KEY.search(k)
                and terms.find(k[: -len(" type")])
                and _stems(k[: -len(" type")]) & named
            ):
                # "Bracelets Type: Charm", "Boot Type: Snow": the goods are named in the key, and
                # the title or category names them too (shops fill in whole attribute templates:
                # "Puppets Type: Model" on a toy robot, "Sandal Type" on a boot).
                types.append(f"{k[: -len(' type')]} {value}")
        if decisive:
            materials = decisive
        inputs = cls(
            name=_denoise(description),
            category=" ; ".join(segments[:-1]),
            leaf=leaf,
            types=" ; ".join(types),
            materials=" ; ".join(materials),
            material_words=" ; ".join(materials),
            gender_words=" ; ".join(genders),
            metal_words=" ; ".join(metals),
            knit_words=" ; ".join(knits),
            sole_words=" ; ".join(soles),
            stone_words=" ; ".join(stones),
            department=tx.fold(category.split(">")[0]).strip(),
        )
        if language == "fr":
            inputs = inputs.translated()
        return inputs

    def translated(self) -> Listing:
        lexicon = french_lexicon()

        def english(text: str) -> str:
            out = []
            for french, eng in lexicon.translate(list(tx.words(tx.fold(text), parts=False))):
                if eng is not None:
                    out.append(eng)
                elif french not in tx.FR_STOPWORDS:
                    out.append(french)
            return " ".join(out)

        return Listing(
            name=english(self.name),
            category=english(self.category),
            leaf=english(self.leaf),
            types=english(self.types),
            materials=english(self.materials),
            material_words=self.material_words + " ; " + english(self.material_words),
            gender_words=self.gender_words + " ; " + english(self.gender_words),
            metal_words=self.metal_words + " ; " + english(self.metal_words),
            knit_words=self.knit_words + " ; " + english(self.knit_words),
            sole_words=self.sole_words + " ; " + english(self.sole_words),
            stone_words=self.stone_words + " ; " + english(self.stone_words),
            department=self.department,
        )

    def detect(self, feature: ft.Feature) -> tuple[set[str], Firmness]:
        """Options stated for `feature`, and how firmly."""
        # The upper shop categories ("Sports Shoes,Clothing&Accessories") say who shops there
        # (gender) and what it is made of, not whether these goods are parts or sports gear.
        upper = self.category if feature in (ft.MATERIAL, ft.GENDER, ft.KNIT) else ""
        words = " ; ".join((self.name, upper, self.leaf, self.types))
        stated = ""
        if feature is ft.MATERIAL:
            stated = self.material_words
        elif feature is ft.GENDER:
            stated = self.gender_words
        elif feature is ft.KNIT:
            stated = self.knit_words
        found = ft.detect(feature, stated) if stated else set()
        if feature is ft.MATERIAL and re.search(
            r"(?:^|; )(?:silver|gold|platinum)(?: ;|$)", tx.fold(self.metal_words)
        ):
            found.add("precious_metal")  # "Metals Type: Silver" names the metal, not a colour
        if found and not found <= ft.GENERIC_MATERIALS:
            return found, "attribute"
        # Only "fabric" or "metal" in the attributes: the description may say which one.
        described = ft.detect(feature, words)
        if found and described:
            return ft.detect(feature, stated + " ; " + words), "words"
        if found:
            return found, "attribute"
        if not described and feature.silent:
            # Goods are taken to be whole articles, not parts, unless something says so.
            return {feature.silent}, "default"
        return described, "words"


# "Silicone Case For TV Remote", "Watch Dial for NH35 Movement", "Backpack with USB Port": what
# follows "for"/"with"/"compatible with" names the device served or a feature, not the goods.
# "Bracelet for Women" is not such a split.
_TAIL = re.compile(
    r"\b(?:for|with|compatible with|fits?|suitable for|fit for|replacement for|pour|avec)\s+"
    r"(?!(?:the\s+)?(?:wom[ae]n|m[ae]n|girls?|boys?|kids|child(?:ren)?|bab(?:y|ies)|lad(?:y|ies)|her|him"
    r"|mom|dad|adults?|teens?|unisex|couples?|lovers?|femmes?|hommes?|enfants?)\b)",
    re.I,
)


def _split_title(name: str) -> tuple[str, str]:
    match = _TAIL.search(name)
    if match is None or match.start() < 3:
        return name, ""
    return name[: match.start()], name[match.start() :]


def _stems(text: str) -> set[str]:
    return {tx.stem_en(w) for w in tx.words(tx.fold(text)) if tx.keep_en(w)}


def _clean_segment(segment: str) -> str:
    segment = "".join(ch if ord(ch) < 128 else " " for ch in segment)
    segment = _CATEGORY_NOISE.sub(" ", segment)
    return re.sub(r"\s+", " ", segment.replace("_", " ")).strip(" &,")


def _denoise(description: str) -> str:
    words = description.split()
    return " ".join(w for w in words if tx.fold(w).strip(".,!") not in _LISTING_NOISE)


def parse_attributes(value: str | Mapping[str, str] | None) -> dict[str, str]:
    """Attributes as shops export them: a dict, or a JSON object in a string."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    try:
        loaded = json.loads(value)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
