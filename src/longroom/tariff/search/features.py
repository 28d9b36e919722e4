"""Facts that separate tariff codes: material, knitted or not, for whom, parts, electric, sport.

Each feature is read two ways, with patterns written for Longroom:

- from tariff text (`claims`): which options a code's text states ("of cotton"), and which it
  excludes ("of textile materials (other than cotton)"), nearest text first: an item "Other"
  takes the material of its parent "Of cotton";
- from what a person says about the goods (`detect`): a listing's "Material: 316L stainless
  steel" or a guided-flow answer.

`compatibility` turns both into a weight in [0, 1]. The classifier uses it to let the
attributes a shop gives steer the choice; the guided flow uses it to ask the question whose
answer separates the remaining candidates most, and to re-weight them once answered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from longroom.tariff.search import text as tx


@dataclass(frozen=True)  # no slots: cached_property keeps the compiled patterns in __dict__
class Option:
    id: str
    label_en: str
    label_fr: str
    # Patterns in tariff text (folded, negations split off) that state this option.
    tariff: str = ""
    # Words in a description or attribute value that say the goods have this option.
    listing: str = ""
    # The broader option this one is a kind of (cotton → textile, copper → base metal).
    broader: str = ""

    @cached_property
    def tariff_re(self) -> re.Pattern[str] | None:
        return re.compile(self.tariff) if self.tariff else None

    @cached_property
    def listing_re(self) -> re.Pattern[str] | None:
        return re.compile(self.listing) if self.listing else None


@dataclass(frozen=True, slots=True)
class Feature:
    id: str
    label_en: str
    label_fr: str
    options: tuple[Option, ...]
    # For yes/no features: the option a text claims when it excludes the other ("not knitted"),
    # and the option silence means (a code that says nothing of parts is the article itself).
    complement: bool = False
    silent: str = ""
    # How many texts, from the code's own upward, may speak for it. A chapter's "...; parts
    # thereof" does not make every machine in it a part, nor does "sports requisites" in
    # chapter 95's title make a doll sports equipment.
    depth: int = 99

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True, slots=True)
class Claims:
    stated: frozenset[str]
    excluded: frozenset[str]


NONE = Claims(frozenset(), frozenset())
# The fit of a code silent on a feature when a sibling states the answer: lower, not nil (the
# silent one may be "parts" of the same goods, not the "Other" material).
SILENT_WITH_RIVAL = 0.6

# Spans that mention a material without making the goods of it: "plated with precious metal",
# "outer soles of rubber" (footwear goes by its uppers), "covered with paper".
_NOT_THE_MATERIAL = re.compile(
    r"\b(?:plated|coated|covered|set|lined|trimmed|fitted|mounted)\s+(?:or\s+\w+\s+)?with\b[^;,()]*"
    r"|\b(?:whether or not\s+)?(?:gold|silver|precious metal)[- ]*(?:or\s+(?:gold|silver)[- ]*)?plated\b"
    r"|\bouter soles?\s+(?:of|solely of)\b[^;()]*?(?=\band\b|\bwith\b|[;,()]|$)"
)
_DECISIVE = re.compile(r"\b(?:uppers?|outer surface)\s+(?:of|are of)\b([^;()]*)")

MATERIAL = Feature(
    id="material",
    label_en="What are the goods mainly made of?",
    label_fr="En quelle matière les marchandises sont-elles principalement faites?",
    options=(
        Option(
            "cotton",
            "Cotton",
            "Coton",
            r"\bcotton\b",
            r"\bcotton\b|\bcanvas\b|\bdenim\b|\bcoton\b",
            "textile",
        ),
        Option(
            "wool",
            "Wool or fine animal hair (cashmere, mohair…)",
            "Laine ou poils fins (cachemire, mohair…)",
            r"\bwool|fine animal hair|kashmir|cashmere|\bmohair",
            r"\bwool|merino|cashmere|mohair|alpaca|angora|\blaine\b",
            "textile",
        ),
        Option("silk", "Silk", "Soie", r"\bsilk\b", r"\bsilk\b|mulberry silk|\bsoie\b", "textile"),
        Option(
            "synthetic",
            "Synthetic fibres (polyester, nylon, acrylic, spandex…)",
            "Fibres synthétiques (polyester, nylon, acrylique, élasthanne…)",
            r"synthetic (?:fib|filament|staple|textile|yarn)|man-made|\bnylon\b|polyester|polyamide"
            r"|acrylic (?:fib|yarn)|elastomeric",
            r"polyester|\bnylon|spandex|elastane|lycra|acrylic|polyamide|polypropylene fib|microfib"
            r"|\boxford\b|\bfleece|chiffon|synthetic|kanekalon|heat resistant fib|faux fur|artificial fur"
            r"|\bmink\b.*\bsilk\b|\bpolar\b|\bpolaire",
            "textile",
        ),
        Option(
            "artificial",
            "Artificial fibres (viscose, rayon, acetate…)",
            "Fibres artificielles (viscose, rayonne, acétate…)",
            r"artificial (?:fib|filament|staple)|man-made|viscose|\brayon",
            r"viscose|rayon|\bmodal\b|lyocell|tencel|acetate|cupro|bamboo fib",
            "textile",
        ),
        Option(
            "vegetable",
            "Linen, jute, hemp or other vegetable fibres",
            "Lin, jute, chanvre ou autres fibres végétales",
            r"\bflax\b|\blinen\b|\bjute\b|\bramie\b|\bhemp\b|vegetable (?:textile )?fib|\babaca\b|\bsisal\b",
            r"\blinen\b|\bflax\b|\bjute\b|\bhemp\b|\bramie\b|\bsisal\b",
            "textile",
        ),
        Option(
            "textile",
            "Fabric (fibre not known)",
            "Tissu (fibre inconnue)",
            r"\btextile|\bfabrics?\b|\bfelt\b|nonwoven",
            r"\bfabric|\btextile|\bcloth\b|\bmesh\b|\bknit|\bvelvet|\bflock|\bfelt\b|\btulle\b|\bsatin\b"
            r"|\blace\b|\btissu",
        ),
        Option(
            "leather",
            "Leather",
            "Cuir",
            r"\bleather\b",
            r"(?<!pu )(?<!faux )(?<!synthetic )(?<!artificial )(?<!vegan )(?<!imitation )(?<!microfiber )"
            r"(?<!pu-)\bleather\b|cowhide|cow skin|sheepskin|lambskin|pigskin|goatskin|\bsuede\b|nubuck"
            r"|crocodile|\bcuir\b",
        ),
        Option(
            "fur",
            "Fur",
            "Fourrure",
            r"furskin|\bfur\b",
            r"(?<!faux )(?<!artificial )(?<!fake )\bfur\b|\bmink fur|fox fur|rabbit fur|\bfourrure",
        ),
        Option(
            "plastics",
            "Plastics (including PU, PVC, silicone, resin, acrylic)",
            "Plastique (y compris PU, PVC, silicone, résine, acrylique)",
            r"\bplastics?\b|polymer|polyvinyl|polyethylene|polypropylene|polystyrene|polyurethane"
            r"|\bresins?\b|silicones?",
            r"plastic|\bpu\b|\bpvc\b|\babs\b|\bpp\b|\bpe\b|\bpet\b|\bpla\b|petg|\bpc\b|polycarbonate"
            r"|\bacrylic\b|\bresin\b|\bepoxy|\bsilicone|\btpu\b|\btpr\b|\beva\b|faux leather"
            r"|synthetic leather|artificial leather|vegan leather|pu leather|microfiber leather|\bvinyl"
            r"|polyurethane|melamine|celluloid|\bplastique|\bresine",
        ),
        Option(
            "rubber",
            "Rubber",
            "Caoutchouc",
            r"\brubber\b",
            r"\brubber\b|\blatex\b|neoprene|\btpr\b|\bnbr\b|\bcaoutchouc",
        ),
        Option(
            "paper",
            "Paper or paperboard",
            "Papier ou carton",
            r"\bpaper|paperboard|cardboard",
            r"\bpaper|cardboard|paperboard|\bkraft\b|\bpapier|\bcarton\b",
        ),
        Option(
            "wood",
            "Wood or bamboo",
            "Bois ou bambou",
            r"\bwood|\bbamboo",
            r"\bwood|\bbamboo(?! fib)|\bpine\b|\boak\b|\bwalnut\b|\bbeech\b|\bmdf\b|plywood|\bteak\b|\bbois\b"
            r"|\bbambou",
        ),
        Option(
            "glass",
            "Glass",
            "Verre",
            r"\bglass",
            r"\bglass|\bcrystal glass|\bverre\b",
        ),
        Option(
            "ceramic",
            "Ceramic or porcelain",
            "Céramique ou porcelaine",
            r"ceramic|porcelain|\bchina\b|stoneware|earthenware",
            r"ceramic|porcelain|stoneware|earthenware|terracotta|\bceramique|\bporcelaine",
        ),
        Option(
            "stone",
            "Stone or marble",
            "Pierre ou marbre",
            r"(?<!precious )\bstones?\b|marble|granite|\bslate\b|alabaster",
            r"(?<!rhine)(?<!gem)\bstone\b|marble|granite|\bslate\b|\bpierre\b|\bmarbre\b",
        ),
        Option(
            "iron_steel",
            "Iron or steel (including stainless steel)",
            "Fer ou acier (y compris l'acier inoxydable)",
            r"\biron\b|\bsteel\b",
            r"\bsteel|\biron\b|\b30[14]\b|\b316l?\b|\binox\b|\bacier\b|\bfer\b",
            "base_metal",
        ),
        Option(
            "copper",
            "Copper, brass or bronze",
            "Cuivre, laiton ou bronze",
            r"\bcopper\b|\bbrass\b|\bbronze\b",
            r"\bcopper|\bbrass\b|\bbronze\b|\bcuivre\b|\blaiton\b",
            "base_metal",
        ),
        Option(
            "aluminium",
            "Aluminium",
            "Aluminium",
            r"\baluminium",
            r"\baluminium",
            "base_metal",
        ),
        Option(
            "zinc",
            "Zinc (including zinc alloy)",
            "Zinc (y compris l'alliage de zinc)",
            r"\bzinc\b",
            r"\bzinc\b",
            "base_metal",
        ),
        Option(
            "base_metal",
            "Other metal (alloy, titanium, tin…)",
            "Autre métal (alliage, titane, étain…)",
            r"base metal|\bnickel\b|\btin\b|\blead\b|\btitanium\b|tungsten|(?<!precious )\bmetals?\b(?! clad)",
            r"\bmetal\b|\balloy\b|titanium|\bnickel\b|\btin\b|tungsten|\bchrome\b|\bmetal commun|\bmetal\b",
        ),
        Option(
            "precious_metal",
            "Silver, gold or platinum (not plated)",
            "Argent, or ou platine (non plaqué)",
            r"precious metal|\bsilver\b|\bgold\b|platinum",
            r"\b925\b|sterling|\bs925\b|\b1[048]k\b|\b[149]\d\dk?\s*gold\b|solid gold|solid silver|platinum"
            r"|\bargent\b|\bor massif",
        ),
        Option(
            "gemstone",
            "Pearls or precious or semi-precious stones",
            "Perles ou pierres gemmes",
            r"precious stones|semi-precious|\bpearls?\b",
            r"\bpearls?\b(?! colou?r)|\bgemstones?\b|\bjade\b|\bagate\b|\bamethyst|\bquartz\b|\bturquoise\b"
            r"|\bopal\b|\bruby\b|\bsapphire|\bemerald|\bmoissanite|\bdiamonds?\b|\bzircon|\bcz\b|\bperles?\b",
        ),
        Option(
            "human_hair",
            "Human hair",
            "Cheveux humains",
            r"human hair",
            r"human hair|\bremy\b|virgin hair|brazilian hair|peruvian hair|cheveux humains",
        ),
    ),
)

KNIT = Feature(
    id="knit",
    label_en="Is the fabric knitted or crocheted?",
    label_fr="Le tissu est-il tricoté ou crocheté?",
    options=(
        Option(
            "knitted",
            "Knitted or crocheted (stretchy, like a T-shirt or sweater)",
            "Tricoté ou crocheté (extensible, comme un t-shirt ou un chandail)",
            r"\bknitted\b|\bcrocheted\b",
            r"\bknit|\bcrochet|\bjersey\b|\bribbed\b|\brib knit|\bspandex|\bfleece|\btricot",
        ),
        Option(
            "woven",
            "Woven or other (like jeans or a dress shirt)",
            "Tissé ou autre (comme un jean ou une chemise habillée)",
            r"\bwoven\b",
            r"\bwoven\b|\bdenim\b|\bchiffon\b|broadcloth|\bsatin\b|\bpoplin\b|\btwill\b|\bcanvas\b|\borganza\b"
            r"|\btaffeta\b|\bvoile\b|corduroy|\bflannel\b|\boxford\b|\btweed\b|\bgauze\b|\bmuslin\b|\btulle\b"
            r"|\bcrepe\b|\blinen\b|\btisse",
        ),
    ),
    complement=True,
)

GENDER = Feature(
    id="gender",
    label_en="Who are the goods for?",
    label_fr="À qui les marchandises sont-elles destinées?",
    options=(
        Option(
            "men",
            "Men or boys",
            "Hommes ou garçons",
            r"\bmen\b|\bboys\b",
            r"\bmen\b|\bmens\b|\bmale\b|\bboys?\b|gentlem[ae]n|\bhommes?\b|\bgarcons?\b",
        ),
        Option(
            "women",
            "Women or girls",
            "Femmes ou filles",
            r"\bwomen\b|\bgirls\b|\bladies\b",
            r"\bwomen|\bwoman\b|\bwomens\b|\blad(?:y|ies)\b|\bfemale\b|\bgirls?\b|\bfemmes?\b|\bfilles?\b",
        ),
        Option(
            "babies",
            "Babies",
            "Bébés",
            r"\bbabies\b|\binfants?\b",
            r"\bbab(?:y|ies)\b|\binfants?\b|newborn|toddler|\bbebes?\b",
        ),
    ),
)

PARTS = Feature(
    id="parts",
    label_en="Are the goods a part or accessory of something else?",
    label_fr="Les marchandises sont-elles une pièce ou un accessoire d'autre chose?",
    options=(
        Option(
            "part",
            "A part or accessory",
            "Une pièce ou un accessoire",
            r"\bparts?\b",
            r"\bparts?\b|\bspare\b|replacement|\bpieces detachees|\bpieces? de rechange",
        ),
        # "Watch cases and parts thereof" covers the cases as well as their parts.
        Option(
            "whole",
            "The complete article",
            "L'article complet",
            r"\b(?:and|or) parts\b|\bparts thereof\b|\bincluding parts\b",
        ),
    ),
    silent="whole",
    depth=1,
)

ELECTRIC = Feature(
    id="electric",
    label_en="Do the goods work with electricity (mains, battery or USB)?",
    label_fr="Les marchandises fonctionnent-elles à l'électricité (secteur, pile ou USB)?",
    options=(
        Option(
            "electric",
            "Yes, electric or electronic",
            "Oui, électrique ou électronique",
            r"\belectric|\belectronic|\bbattery|\bmotor|electro-",
            r"\belectric|\belectronic|\bbattery|rechargeable|\busb\b|cordless|\bled\b|\bsmart\b|\bwireless"
            r"|\bbluetooth|\bdigital\b|\bvolt|\bwatt|\b\d+v\b|\b\d+w\b|\belectrique",
        ),
        Option(
            "manual",
            "No, worked by hand or not powered",
            "Non, manuel ou sans alimentation",
            r"non-electric|\bhand\b|\bmanual",
            r"\bmanual\b|\bhand tool|\bmanuel",
        ),
    ),
)

SPORT = Feature(
    id="sport",
    label_en="Are the goods made for sport?",
    label_fr="Les marchandises sont-elles conçues pour le sport?",
    options=(
        Option(
            "sport",
            "Yes, for sport or training",
            "Oui, pour le sport ou l'entraînement",
            r"\bsports?\b|\btraining\b|\bgym\b|\btennis\b|\bbasketball\b|\bski\b|\bgolf\b",
            r"\bsports?\b|\brunning\b|\btraining\b|\bgym\b|athletic|basketball|football|soccer|\btennis\b"
            r"|jogging|\bski\b|\bskiing\b|\bgolf\b|fitness",
        ),
        Option("not_sport", "No", "Non"),
    ),
    silent="not_sport",
    depth=2,
)

FEATURES: tuple[Feature, ...] = (MATERIAL, KNIT, GENDER, PARTS, ELECTRIC, SPORT)
FEATURE_BY_ID = {f.id: f for f in FEATURES}
_BROADER = {o.id: o.broader for o in MATERIAL.options if o.broader}
_GENERIC = frozenset(_BROADER.values())
GENERIC_MATERIALS = _GENERIC


def _read(feature: Feature, text: str) -> Claims:
    positive, negated = tx.split_negations(text)
    if feature is MATERIAL:
        decisive = _DECISIVE.findall(positive)
        positive = " ".join(decisive) if decisive else _NOT_THE_MATERIAL.sub(" ", positive)
    stated = {o.id for o in feature.options if o.tariff_re is not None and o.tariff_re.search(positive)}
    excluded = {o.id for o in feature.options if o.tariff_re is not None and o.tariff_re.search(negated)}
    excluded -= stated
    if feature.complement and len(feature.options) == 2:
        first, second = feature.options
        if first.id in excluded and not stated:
            stated = {second.id}
    if feature is MATERIAL and re.search(r"\bimitation jewel|\bjewell?ery; imitation", positive):
        excluded.add("precious_metal")  # imitation jewellery is, by definition, not of precious metal
    if feature is MATERIAL and stated:
        # "of cotton" also says "of a textile"; "of copper" says "of a base metal" (answers at
        # the broad level, "fabric", then still fit).
        stated |= {_BROADER[s] for s in stated if s in _BROADER}
    return Claims(frozenset(stated), frozenset(excluded))


def claims(feature: Feature, texts: Sequence[str]) -> Claims:
    """What a code's texts (chapter first, the code's own text last) say about `feature`.

    The nearest text that says anything wins: an item "Other" under "Of cotton" is cotton; a
    subheading "of textile materials (other than cotton)" states textile and excludes cotton.
    """
    for text in list(reversed(texts))[: feature.depth]:
        found = _read(feature, text)
        if found.stated or found.excluded:
            return found
    return NONE


def detect(feature: Feature, text: str) -> set[str]:
    """Options a description or attribute value states ("316L stainless steel" → iron_steel)."""
    folded = tx.fold(text)
    found = {o.id for o in feature.options if o.listing_re is not None and o.listing_re.search(folded)}
    if feature is MATERIAL:
        found = _refine_material(folded, found)
    if feature is GENDER and {"men", "women"} <= found:
        return set()  # "for women and men": unisex, says nothing
    if feature is KNIT and len(found) == 2:
        return set()
    return found


def _refine_material(folded: str, found: set[str]) -> set[str]:
    # "gold plated", "silver colour", "gold tone": the colour or the plating, not the metal.
    if (
        "precious_metal" in found
        and re.search(r"plated|filled|colou?r|tone|vermeil", folded)
        and not re.search(r"\b925\b|sterling|solid", folded)
    ):
        found.discard("precious_metal")
    # A named metal or fibre makes the generic word redundant ("metal, zinc alloy" → zinc).
    if found & {"iron_steel", "copper", "aluminium", "zinc", "precious_metal"}:
        found.discard("base_metal")
    if len(found) > 1:
        found.discard("textile")  # "lace front human hair wig", "mesh upper, PU": the other word says more
    if "leather" not in found and re.search(r"leather", folded) and "plastics" in found:
        found.discard("leather")
    return found


def compatibility(
    feature: Feature,
    stated: Claims,
    answer: str,
    siblings_state_it: bool,
    silent_with_rival: float = SILENT_WITH_RIVAL,
) -> float:
    """How well a code fits an answer, in [0, 1].

    A code whose texts are silent on the feature is not held back (a cap says nothing of
    gender, toys nothing of material) unless `siblings_state_it`: another code in the same
    race states the answer (or its broader kind) outright, so the silent one ("Other") is the
    less likely home.
    """
    broader = _BROADER.get(answer, "")
    if answer in stated.excluded or (broader and broader in stated.excluded):
        return 0.0
    if answer in stated.stated:
        return 1.0
    if broader and any(_BROADER.get(s) == broader for s in stated.stated):
        return 0.03  # "of cotton" when polyester is answered
    if broader and broader in stated.stated:
        # "of textile materials" (or "of plastics or of textile materials") when polyester is
        # answered: it fits, unless a sibling names polyester itself.
        return 0.35 if siblings_state_it else 0.9
    if any(_BROADER.get(s) == answer for s in stated.stated):
        return 0.6  # "fabric" answered, the code is "of cotton": possible, not certain
    if stated.stated:
        return 0.03  # the code states something else: another material, other wearers
    if answer == feature.silent:
        return 1.0  # "not a part": the codes that do not say "parts"
    return silent_with_rival if siblings_state_it else 1.0


def broader(option_id: str) -> str:
    return _BROADER.get(option_id, "")


def best_compatibility(
    feature: Feature, stated: Claims, answers: Iterable[str], siblings: Mapping[str, bool]
) -> float:
    """The best fit over several detected answers ("rhinestone, zinc alloy")."""
    return max((compatibility(feature, stated, a, siblings.get(a, False)) for a in answers), default=1.0)
