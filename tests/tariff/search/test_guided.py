from __future__ import annotations

from longroom.tariff.search import Classifier, SearchIndex
from longroom.tariff.search import guided as g


def tshirt_leads(index: SearchIndex) -> list[g.Lead]:
    return [g.lead_for(index, "610910", 1.0), g.lead_for(index, "610990", 1.0)]


def test_guided_flow_asks_material_between_cotton_and_synthetic(index: SearchIndex) -> None:
    question = g.next_question(tshirt_leads(index))
    assert question is not None
    assert question.id == "material"
    ids = [o.id for o in question.options]
    assert "cotton" in ids and "synthetic" in ids and ids[-1] == g.UNKNOWN
    assert (
        question.label_en and question.label_fr and all(o.label_en and o.label_fr for o in question.options)
    )


def test_answer_reweights_and_the_flow_stops_with_reasons(index: SearchIndex) -> None:
    leads = g.apply_answer(tshirt_leads(index), "material", "synthetic")
    assert g.next_question(leads, asked=["material"]) is None  # one candidate is clearly ahead
    proposal = g.proposal(leads)
    assert proposal is not None and proposal.code == "610990" and proposal.share > 0.9
    assert any(r.kind == "answer" and r.option == "synthetic" for r in proposal.reasons)


def test_guided_flow_stops_with_reasons(classifier: Classifier) -> None:
    answers = [("knit", "knitted"), ("heading", "6109"), ("material", "cotton")]
    final = g.step(classifier, "cotton t-shirt", answers)
    assert final.question is None and final.proposal is not None
    # The HS subheading is settled, then the Canadian item under it (only one here).
    assert final.subheading == "610910" and final.proposal.code == "61091000"
    kinds = {r.kind for r in final.proposal.reasons}
    assert kinds & {"term", "text"}  # the words matched
    assert "answer" in kinds  # the answers given
    assert all(r.text("fr") for r in final.proposal.reasons)


def test_unknown_changes_nothing(index: SearchIndex) -> None:
    leads = tshirt_leads(index)
    assert g.apply_answer(leads, "material", g.UNKNOWN) == leads


def test_code_answer_filters_candidates(index: SearchIndex) -> None:
    leads = [g.lead_for(index, c, 1.0) for c in ("610910", "620520", "640299")]
    question = g.next_question(leads)
    assert question is not None
    kept = g.apply_answer(leads, "chapter", "62")
    assert [lead.code for lead in kept] == ["620520"]


def test_a_question_is_never_asked_twice(index: SearchIndex) -> None:
    question = g.next_question(tshirt_leads(index), asked=["material"])
    assert question is None or question.id != "material"


def test_one_level_down_asks_among_canadian_items(index: SearchIndex) -> None:
    items = g.item_leads(index, "950300")
    assert [lead.code for lead in items] == ["95030090"]
    # Two items under one subheading, told apart by material ("Of cotton" / "Of other textile
    # materials"), built from the subheading's children.
    leads = [g.lead_for(index, "61091000", 1.0), g.lead_for(index, "61099000", 1.0)]
    question = g.next_question(leads, level="item")
    assert question is not None and question.id in ("item-material", "item")


def test_step_replays_the_answers_from_the_query_string(classifier: Classifier) -> None:
    first = g.step(classifier, "t-shirt")
    again = g.step(classifier, "t-shirt")
    assert first.question is not None and again.question is not None
    assert first.question.id == again.question.id
    assert [o.id for o in first.question.options] == [o.id for o in again.question.options]


def test_codes_are_printed_the_canadian_way() -> None:
    assert g.format_code("6109") == "61.09"
    assert g.format_code("610910") == "6109.10"
    assert g.format_code("61091000") == "6109.10.00"
    assert g.format_code("6109100012") == "6109.10.00.12"


def test_heading_is_asked_before_a_list_of_subheadings(index: SearchIndex) -> None:
    leads = [g.lead_for(index, c, 1.0) for c in ("640299", "640399", "711719", "711790")]
    question = g.next_question(leads)
    assert question is not None and question.id != "subheading"
