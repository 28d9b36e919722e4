"""Django-free mail intake: parsing, loop suppression, subject grammar, dedup, SMTP and IMAP.

Import submodules directly (``longroom.desk.mail.parse`` ...); the SMTP and
IMAP modules pull in aiosmtpd / imap-tools, the others only the stdlib.
"""

from longroom.desk.mail.automatic import bounce_original_message_id, detect_automatic, is_bounce
from longroom.desk.mail.dedup import dedup_key
from longroom.desk.mail.parse import Attachment, ParsedMail, parse_message
from longroom.desk.mail.subject import (
    DEFAULT_WRAPPER_COLOURS,
    SubjectParse,
    find_reference,
    parse_subject,
    transaction_number_in_filename,
)

__all__ = [
    "DEFAULT_WRAPPER_COLOURS",
    "Attachment",
    "ParsedMail",
    "SubjectParse",
    "bounce_original_message_id",
    "dedup_key",
    "detect_automatic",
    "find_reference",
    "is_bounce",
    "parse_message",
    "parse_subject",
    "transaction_number_in_filename",
]
