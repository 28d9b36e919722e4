"""Tariff search and classification, free of Django: the caller supplies the documents.

    from longroom.tariff.search import Document, SearchIndex, Classifier, guided

    index = SearchIndex.build(documents)          # HS chapters to Canadian statistical lines
    index.search("coton tshirt", language="fr")   # ranked Hits, typos and French welcome
    Classifier(index).classify("cotton t-shirt", category="Men's Clothing > Tops & Tees",
                               attributes={"Material": "Cotton"})   # HS6 Candidates with reasons
    guided.step(classifier, "t-shirt", [("material", "cotton")])    # next Question or Proposal

Data files (self-authored vocabularies) are in `data/`; see the README there.
"""

from longroom.tariff.search.classify import Candidate, Classifier, Reason, Weights, parse_attributes
from longroom.tariff.search.index import Document, Hit, Language, SearchIndex
from longroom.tariff.search.loading import documents_from_rows, hs2022_documents, merge_documents

__all__ = [
    "Candidate",
    "Classifier",
    "Document",
    "Hit",
    "Language",
    "Reason",
    "SearchIndex",
    "Weights",
    "documents_from_rows",
    "hs2022_documents",
    "merge_documents",
    "parse_attributes",
]
