"""Claims: one officer per request, leases that lapse, superintendents who reassign."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from longroom.core.models import AuditEvent
from longroom.desk import selectors, services
from longroom.desk.models import Request, RequestStatus
from longroom.desk.services import RequestAlreadyClaimed, request_claim


def test_second_officer_cannot_claim_a_claimed_request(queued_request, officer, other_officer):
    request_claim(request=queued_request, officer=officer)
    with pytest.raises(RequestAlreadyClaimed):
        request_claim(request=queued_request, officer=other_officer)


def test_claiming_again_renews_the_lease_without_a_second_event(queued_request, officer):
    first = request_claim(request=queued_request, officer=officer)
    again = request_claim(request=first, officer=officer, now=timezone.now() + timedelta(minutes=5))
    assert again.claim_expires_at > first.claim_expires_at
    assert (
        AuditEvent.objects.for_subject("desk.request", queued_request.pk)
        .filter(verb="request.claimed")
        .count()
        == 1
    )


def test_an_abandoned_claim_expires_and_the_request_returns_to_the_queue(
    queued_request, officer, other_officer
):
    request_claim(request=queued_request, officer=officer)
    later = timezone.now() + services.claim_lease() + timedelta(seconds=1)
    assert services.request_expire_leases(now=later) == 1
    queued_request.refresh_from_db()
    assert (queued_request.status, queued_request.claimed_by) == (RequestStatus.QUEUED, None)
    assert (
        AuditEvent.objects.for_subject("desk.request", queued_request.pk)
        .filter(verb="request.lease_expired")
        .exists()
    )
    assert request_claim(request=queued_request, officer=other_officer).claimed_by == other_officer


def test_an_expired_claim_can_be_taken_over_before_the_sweep_runs(queued_request, officer, other_officer):
    request_claim(request=queued_request, officer=officer)
    later = timezone.now() + services.claim_lease() + timedelta(seconds=1)
    assert request_claim(request=queued_request, officer=other_officer, now=later).claimed_by == other_officer


def test_an_officer_cannot_stamp_without_holding_the_claim(queued_request, officer, other_officer):
    request_claim(request=queued_request, officer=officer)
    document = queued_request.documents.first()
    with pytest.raises(services.ClaimRequired):
        services.request_stamp(
            request=queued_request,
            officer=other_officer,
            stamp=queued_request.office.stamps.first(),
            document=document,
            pages=[0],
            position=(0.5, 0.05),
        )


def test_superintendent_can_reassign_a_claimed_request(
    queued_request, officer, other_officer, superintendent
):
    request_claim(request=queued_request, officer=officer)
    services.request_reassign(request=queued_request, superintendent=superintendent, to_officer=other_officer)
    queued_request.refresh_from_db()
    assert queued_request.claimed_by == other_officer
    event = AuditEvent.objects.for_subject("desk.request", queued_request.pk).get(verb="request.reassigned")
    assert event.data == {"before": officer.email, "after": other_officer.email}


def test_an_officer_cannot_reassign(queued_request, officer, other_officer):
    with pytest.raises(services.NotAllowed):
        services.request_reassign(request=queued_request, superintendent=officer, to_officer=other_officer)


def test_officer_of_another_office_sees_nothing_of_this_office(queued_request, stranger):
    with pytest.raises(Http404):
        selectors.request_for_staff(stranger, queued_request.reference)
    assert not selectors.requests_visible_to(stranger).exists()
    with pytest.raises(services.NotAllowed):
        request_claim(request=queued_request, officer=stranger)


def test_queue_lists_oldest_first_with_counts_and_filters(office, officer, receive, email_with, pdf_for):
    for number in ("11111111111111", "22222222222222", "33333333333333"):
        receive(
            email_with(
                to="cargo-410@longroom.test",
                subject=f"RMD - {number}",
                attachments=[(f"{number}.pdf", pdf_for(number))],
            )
        )
    Request.objects.filter(transaction_number="11111111111111").update(
        received_at=timezone.now() - timedelta(hours=2)
    )
    view = selectors.queue(user=officer, office=office, kind="C", filters=selectors.QueueFilters())
    numbers = [r.transaction_number for r in view.page.object_list]
    assert numbers[0] == "11111111111111"
    assert view.counts == {"queued": 3}
    late = selectors.queue(user=officer, office=office, kind="C", filters=selectors.QueueFilters(age="late"))
    assert [r.transaction_number for r in late.page.object_list] == ["11111111111111"]
    assert selectors.age_class(late.page.object_list[0], office, timezone.now()) == "late"


@pytest.mark.django_db(transaction=True)
def test_two_officers_claiming_at_the_same_moment_exactly_one_wins(
    office, officer, other_officer, receive, email_with, pdf_for
):
    if connection.vendor != "postgresql":
        pytest.skip(
            "The simultaneous-claim race is run on PostgreSQL (DATABASE_URL); SQLite serialises writers."
        )
    request = receive(
        email_with(
            to="cargo-410@longroom.test",
            subject="RMD - 44444444444444",
            attachments=[("44444444444444.pdf", pdf_for("44444444444444"))],
        )
    ).request
    for _round in range(10):
        Request.objects.filter(pk=request.pk).update(
            status=RequestStatus.QUEUED, claimed_by=None, claim_expires_at=None
        )
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def claim(who, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait()
                request_claim(request=request, officer=who)
                outcomes.append("won")
            except RequestAlreadyClaimed:
                outcomes.append("lost")
            finally:
                connection.close()

        threads = [threading.Thread(target=claim, args=(who,)) for who in (officer, other_officer)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["lost", "won"]


def test_a_refusal_is_told_in_the_officers_language(queued_request, officer, other_officer, client, settings):
    settings.LONGROOM_DEMO = True
    request_claim(request=queued_request, officer=officer)
    client.force_login(other_officer)
    stamp = queued_request.office.stamps.first()
    document = queued_request.documents.get()
    response = client.post(
        f"/fr/desk/requests/{queued_request.reference}/stamp/",
        {"stamp": stamp.pk, "document": document.pk, "pages": "1", "x": "0.5", "y": "0.1"},
        follow=True,
    )
    page = response.content.decode()
    assert "Prenez en charge cette demande avant de la traiter" in page
    assert Request.objects.get(pk=queued_request.pk).status == RequestStatus.IN_REVIEW


def test_returning_with_nothing_stamped_is_refused_in_the_officers_language(
    queued_request, officer, client, settings
):
    settings.LONGROOM_DEMO = True
    request_claim(request=queued_request, officer=officer)
    client.force_login(officer)
    response = client.post(f"/fr/desk/requests/{queued_request.reference}/return/", follow=True)
    assert "Estampillez au moins un document avant de renvoyer la demande" in response.content.decode()
    assert Request.objects.get(pk=queued_request.pk).status == RequestStatus.IN_REVIEW
