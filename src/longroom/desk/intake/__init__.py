"""Intake: from a received e-mail to a queued request (or a recorded, explained refusal)."""

from .pipeline import message_process
from .receipt import accepts_recipient, message_record

__all__ = ["accepts_recipient", "message_process", "message_record"]
