"""Why a message was not accepted, and what the client must do about it, in both languages."""

from __future__ import annotations

from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

SUBJECT_FORMAT_HELP = _(
    "Write the subject as: [wrapper colour -] request type - transaction number, "
    "for example “RMD - 132432000123459” or “Gold - RMD - 132432000123459”."
)

# code → explanation with what to fix. Parameters are filled from InboundMessage.outcome_params.
REASONS = {
    "unknown_inbox": _(
        "The address you wrote to (%(address)s) is not an e-Longroom inbox. "
        "Find the right cargo or release address on the Locations page: %(locations_url)s"
    ),
    "too_large": _(
        "Your message is %(size_mb)s MB, over the %(limit_mb)s MB limit. Send fewer or smaller PDF files, "
        "in several messages if needed."
    ),
    "not_email": _("We could not read your message as an e-mail. Send it again from your e-mail program."),
    "empty": _("The subject is empty."),
    "missing_transaction_number": _("The subject has no transaction number."),
    "unknown_request_type": _(
        "“%(request_type)s” is not a request type this inbox accepts. Accepted types: %(types)s."
    ),
    "malformed": _("The subject “%(subject)s” does not follow the required format."),
    "no_pdf": _(
        "No PDF file was attached. Attach your documents as one or more PDF files named after the "
        "transaction number, for example %(example)s."
    ),
    "non_pdf_attachment": _(
        "Only PDF files are accepted. Convert these attachments to PDF or remove them: %(names)s."
    ),
    "filename_mismatch": _(
        "Each PDF file must be named after the transaction number, for example %(example)s. "
        "These files are not: %(names)s."
    ),
    "pdf_too_large": _("The PDF file %(name)s is %(size_mb)s MB, over the %(limit_mb)s MB limit per file."),
    "encrypted": _(
        "The PDF file %(name)s is protected by a password. Save it without a password and send it again."
    ),
    "unreadable": _(
        "The PDF file %(name)s cannot be opened; it may be damaged. Export or scan it again and send it again."
    ),
    "too_many_pages": _("The PDF file %(name)s has more than %(limit)s pages. Split it into several files."),
    "spam": _("The message was marked as spam by the mail system."),
}

SUBJECT_PROBLEMS = {"empty", "missing_transaction_number", "unknown_request_type", "malformed"}


def explain(code: str, params: dict[str, object], language: str | None = None) -> str:
    template = REASONS.get(code)
    if template is None:
        return code
    with translation.override(language or translation.get_language() or "en"):
        # 12.4 in English, 12,4 in French.
        shown = {k: formats.number_format(v, 1) if isinstance(v, float) else v for k, v in params.items()}
        text = str(template) % _SafeParams(shown)
        if code in SUBJECT_PROBLEMS:
            text = f"{text} {SUBJECT_FORMAT_HELP}"
    return text


class _SafeParams(dict[str, object]):
    """A missing parameter shows as “?” instead of breaking the reply."""

    def __missing__(self, key: str) -> str:
        return "?"
