"""The request lifecycle: every allowed transition, in one table.

Each transition is carried out by one service in desk.services; a service asks this table
whether the request's current status allows it, so the rules live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import RequestStatus as S


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str | None  # None: the status does not change
    audit_verb: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("claim", frozenset({S.QUEUED, S.IN_REVIEW}), S.IN_REVIEW, "request.claimed"),
        Transition("release", frozenset({S.IN_REVIEW}), S.QUEUED, "request.released"),
        Transition("expire_lease", frozenset({S.IN_REVIEW}), S.QUEUED, "request.lease_expired"),
        Transition(
            "reassign",
            frozenset({S.QUEUED, S.IN_REVIEW, S.INFO_REQUESTED}),
            S.IN_REVIEW,
            "request.reassigned",
        ),
        Transition("stamp", frozenset({S.IN_REVIEW}), None, "request.stamped"),
        Transition("return", frozenset({S.IN_REVIEW}), S.RETURNED, "request.returned"),
        Transition("reject", frozenset({S.IN_REVIEW}), S.REJECTED, "request.rejected"),
        Transition(
            "ask_for_information", frozenset({S.IN_REVIEW}), S.INFO_REQUESTED, "request.info_requested"
        ),
        Transition(
            "client_follow_up",
            frozenset({S.QUEUED, S.IN_REVIEW, S.INFO_REQUESTED, S.RETURNED, S.REJECTED}),
            None,
            "request.follow_up_received",
        ),
    )
}

# Plain-language names for the timeline.
EVENT_LABELS = {
    "message.received": _("E-mail received"),
    "message.not_accepted": _("Not accepted"),
    "message.duplicate": _("Duplicate delivery ignored"),
    "message.failed": _("Processing failed (will be retried)"),
    "message.dead": _("Processing failed (needs staff attention)"),
    "message.retried": _("Processing retried by staff"),
    "message.bounce": _("Delivery failure report received"),
    "request.received": _("Request opened"),
    "request.acknowledged": _("Acknowledgement sent"),
    "request.claimed": _("Claimed"),
    "request.released": _("Released back to the queue"),
    "request.lease_expired": _("Claim expired"),
    "request.reassigned": _("Reassigned"),
    "request.viewed": _("Viewed"),
    "request.stamped": _("Stamped"),
    "request.returned": _("Returned to the client"),
    "request.email_sent": _("E-mail sent to the client"),
    "request.delivery_failed": _("E-mail delivery failed"),
    "request.rejected": _("Rejected"),
    "request.info_requested": _("More information requested"),
    "request.follow_up_received": _("Client follow-up received"),
    "request.barcode_mismatch": _("Barcode disagrees with the transaction number"),
}


class TransitionNotAllowed(Exception):
    def __init__(self, transition: str, status: str) -> None:
        super().__init__(f"{transition} is not allowed from {status}")
        self.transition = transition
        self.status = status


def check(transition_name: str, status: str) -> Transition:
    transition = TRANSITIONS[transition_name]
    if status not in transition.sources:
        raise TransitionNotAllowed(transition_name, status)
    return transition
