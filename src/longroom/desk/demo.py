"""Demo installation: three offices, their inboxes, stamps, staff, and requests in every state.

Everything goes through the real services and the real intake pipeline, so the demo shows
what production does. Loading twice changes nothing.
"""

from __future__ import annotations

import io
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.db import transaction
from django.utils import timezone
from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from longroom.core.models import User
from longroom.offices.models import Inbox, InboxKind, Membership, Office, StaffRole

from .intake import message_process, message_record
from .models import RejectionReason, RequestType, SealCertificate, Stamp

DEMO_PASSWORD = "longroom-demo-2026"  # noqa: S105 - printed on screen; a demo has nothing to protect

OFFICES = [
    {
        "number": "410",
        "name_en": "Demo Commercial Office 410",
        "name_fr": "Bureau commercial de démonstration 410",
        "street_address": "100 Example Road",
        "city": "Windsor",
        "province": "ON",
        "postal_code": "N9A 0A1",
        "time_zone": "America/Toronto",
    },
    {
        "number": "395",
        "name_en": "Demo Commercial Office 395",
        "name_fr": "Bureau commercial de démonstration 395",
        "street_address": "200 rue Exemple",
        "city": "Montréal",
        "province": "QC",
        "postal_code": "H3C 0A1",
        "time_zone": "America/Toronto",
    },
    {
        "number": "809",
        "name_en": "Demo Commercial Office 809",
        "name_fr": "Bureau commercial de démonstration 809",
        "street_address": "300 Example Way",
        "city": "Vancouver",
        "province": "BC",
        "postal_code": "V6B 0A1",
        "time_zone": "America/Vancouver",
    },
]

REQUEST_TYPES = {
    InboxKind.CARGO: [
        ("RMD", "Release on minimum documentation", "Mainlevée contre documentation minimale"),
        (
            "A8A",
            "Cargo control document (in-bond movement)",
            "Document de contrôle du fret (mouvement sous douane)",
        ),
        ("A48", "A48 request", "Demande A48"),
        ("BSF673", "BSF673 request", "Demande BSF673"),
    ],
    InboxKind.RELEASE: [
        ("RMD", "Release on minimum documentation", "Mainlevée contre documentation minimale"),
        ("A48", "A48 request", "Demande A48"),
        ("BSF673", "BSF673 request", "Demande BSF673"),
        ("B3", "Customs coding form (B3)", "Formule de codage (B3)"),
    ],
}

STAMPS = [
    ("AUTHORIZED TO MOVE IN BOND", "MOUVEMENT SOUS DOUANE AUTORISÉ"),
    ("RELEASED", "MAINLEVÉE"),
    ("RECEIVED", "REÇU"),
    ("OPEN", "OUVERT"),
]

REJECTION_REASONS = [
    (
        "missing-lead-sheet",
        "The EDI exception lead sheet is missing or not on top (memorandum D17-1-4).",
        "La fiche de présentation des exceptions EDI manque ou n’est pas sur le dessus (mémorandum D17-1-4).",
    ),
    (
        "wrong-inbox",
        "This request belongs in the other inbox (cargo or release) of this office.",
        "Cette demande doit être envoyée à l’autre adresse (fret ou mainlevée) de ce bureau.",
    ),
    (
        "illegible",
        "The documents cannot be read. Send a clearer scan.",
        "Les documents sont illisibles. Envoyez une numérisation plus nette.",
    ),
    (
        "documents-out-of-order",
        "The documents are not in the prescribed order.",
        "Les documents ne sont pas dans l’ordre prescrit.",
    ),
    (
        "not-eligible",
        "This kind of document is not accepted by e-mail at this office.",
        "Ce type de document n’est pas accepté par courriel à ce bureau.",
    ),
]


def demo_pdf(transaction_number: str, *, pages: int = 1, title: str = "CARGO CONTROL DOCUMENT") -> bytes:
    """A letter-size document with the transaction number as text and as a Code 128 barcode."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter)
    pdf.setTitle(f"{title} {transaction_number}")
    for page in range(pages):
        pdf.setFont("Helvetica-Bold", 16)
        pdf.drawString(72, 720, title)
        pdf.setFont("Helvetica", 11)
        pdf.drawString(72, 700, f"Transaction / Transaction : {transaction_number}")
        pdf.drawString(72, 684, f"Page {page + 1} / {pages}")
        if page == 0:
            barcode = code128.Code128(transaction_number, barHeight=40, barWidth=1.2)
            barcode.drawOn(pdf, 72, 620)
        pdf.drawString(72, 580, "Shipper: Example Exports Ltd. — Consignee: Example Imports Inc.")
        pdf.drawString(72, 564, "Goods: 12 pallets, machine parts. Carrier: Example Trucking.")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# The demo's own requests come from this address, so the address a newcomer uses to try the
# desk (broker@example.com in the README) keeps its full allowance of automatic replies.
DEMO_SENDER = "demo-broker@example.com"


def demo_email(
    *,
    to: str,
    subject: str,
    sender: str = "broker@example.com",
    attachments: list[tuple[str, bytes]],
    body: str = "Please process the attached request. Thank you.",
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Example Customs Broker <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content(body)
    for filename, data in attachments:
        message.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))  # on the wire, lines end in CRLF


def demo_users_for(office: Office) -> list[tuple[str, StaffRole, str]]:
    n = office.number
    return [
        (f"officer{n}@longroom.test", StaffRole.OFFICER, f"BSO-{n}1"),
        (f"superintendent{n}@longroom.test", StaffRole.SUPERINTENDENT, f"SUP-{n}"),
        (f"admin{n}@longroom.test", StaffRole.ADMINISTRATOR, f"ADM-{n}"),
    ]


def load_reference_lists() -> None:
    """The request types and rejection reasons a new installation starts with (editable later)."""
    for kind, types in REQUEST_TYPES.items():
        for code, en, fr in types:
            RequestType.objects.get_or_create(
                code=code, inbox_kind=kind, defaults={"label_en": en, "label_fr": fr}
            )
    for code, en, fr in REJECTION_REASONS:
        RejectionReason.objects.get_or_create(code=code, defaults={"text_en": en, "text_fr": fr})


def load_demo() -> list[tuple[str, str]]:
    """Create the demo installation; returns the (e-mail, role) logins."""
    from .services import seal_generate_demo

    logins: list[tuple[str, str]] = []
    with transaction.atomic():
        load_reference_lists()
        if not User.objects.filter(email="admin@longroom.test").exists():
            User.objects.create_superuser(
                "admin@longroom.test", DEMO_PASSWORD, full_name="Demo system administrator"
            )
        logins.append(("admin@longroom.test", "system administrator"))
        for data in OFFICES:
            office, _created = Office.objects.get_or_create(
                number=data["number"],
                defaults={
                    **data,
                    "hours_en": "Monday to Friday, 8:00 to 16:30 (office time zone)",
                    "hours_fr": "Du lundi au vendredi, de 8 h à 16 h 30 (heure du bureau)",
                    "instructions_en": (
                        "Send cargo requests (in-bond movements, cargo control documents) to the cargo address and "
                        "release requests to the release address. Put the EDI exception lead sheet on top. "
                        "One transaction per e-mail; PDF files only, named after the transaction number."
                    ),
                    "instructions_fr": (
                        "Envoyez les demandes de fret (mouvements sous douane, documents de contrôle du fret) à "
                        "l’adresse fret et les demandes de mainlevée à l’adresse mainlevée. Placez la fiche de "
                        "présentation des exceptions EDI sur le dessus. Une transaction par courriel; fichiers PDF "
                        "seulement, nommés d’après le numéro de transaction."
                    ),
                },
            )
            for kind, label in ((InboxKind.CARGO, "cargo"), (InboxKind.RELEASE, "release")):
                Inbox.objects.get_or_create(
                    office=office, kind=kind, defaults={"address": f"{label}-{office.number}@longroom.test"}
                )
            for position, (en, fr) in enumerate(STAMPS):
                Stamp.objects.get_or_create(
                    office=office, text_en=en, defaults={"text_fr": fr, "position": position}
                )
            for email, role, identifier in demo_users_for(office):
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = User.objects.create_user(
                        email,
                        DEMO_PASSWORD,
                        is_staff=True,
                        staff_identifier=identifier,
                        full_name=f"{role.label} {office.number}",
                    )
                Membership.objects.get_or_create(user=user, office=office, defaults={"role": role})
                logins.append((email, f"{role.label}, office {office.number}"))
    for office in Office.objects.filter(number__in=[o["number"] for o in OFFICES]):
        if not SealCertificate.objects.filter(office=office, active=True).exists():
            seal_generate_demo(office=office)
    _demo_requests()
    return logins


def _demo_requests() -> None:
    """A handful of requests in different states, if the demo has none yet."""
    from .models import Request
    from .services import request_ask_for_information, request_claim, request_reject, request_stamp

    if Request.objects.filter(office__number="410").exists():
        return
    samples = [
        ("cargo-410@longroom.test", "RMD – 132432000123459", "132432000123459"),
        ("cargo-410@longroom.test", "Gold- A8A - 123456789101112131415", "123456789101112131415"),
        ("cargo-410@longroom.test", "A48 - 123451900123459", "123451900123459"),
        ("release-410@longroom.test", "BSF673 - 01428442347324", "01428442347324"),
        ("release-410@longroom.test", "RMD - 98765432101234", "98765432101234"),
        ("cargo-395@longroom.test", "RMD - 39500000000001", "39500000000001"),
        ("cargo-809@longroom.test", "RMD - 80900000000001", "80900000000001"),
    ]
    created: list[Request] = []
    for to, subject, number in samples:
        raw = demo_email(
            to=to,
            subject=subject,
            sender=DEMO_SENDER,
            attachments=[(f"{number}.pdf", demo_pdf(number, pages=2))],
        )
        message = message_record(raw=raw, source="smtp", envelope_from=DEMO_SENDER, envelope_to=[to])
        processed = message_process(message.pk)
        if processed is not None and processed.request is not None:
            created.append(processed.request)
    # A message that is not accepted, to show the refusal path.
    bad = demo_email(to="cargo-410@longroom.test", subject="Please stamp", sender=DEMO_SENDER, attachments=[])
    message_process(
        message_record(
            raw=bad,
            source="smtp",
            envelope_from=DEMO_SENDER,
            envelope_to=["cargo-410@longroom.test"],
        ).pk
    )
    officer = User.objects.get(email="officer410@longroom.test")
    from .tasks import document_render

    for request in created:
        for document in request.documents.all():
            document_render(document.pk)
    if len(created) >= 5:
        returned, rejected, asked, claimed = created[1], created[2], created[3], created[4]
        request_claim(request=returned, officer=officer)
        stamp = Stamp.objects.get(office=returned.office, text_en="AUTHORIZED TO MOVE IN BOND")
        original = returned.documents.first()
        assert original is not None
        request_stamp(
            request=returned,
            officer=officer,
            stamp=stamp,
            document=original,
            pages=[0],
            position=(0.55, 0.04),
        )
        request_claim(request=rejected, officer=officer)
        request_reject(
            request=rejected,
            officer=officer,
            reason=RejectionReason.objects.get(code="missing-lead-sheet"),
            note="Please resend with the lead sheet on top.",
        )
        request_claim(request=asked, officer=officer)
        request_ask_for_information(
            request=asked, officer=officer, note="Please send the commercial invoice."
        )
        request_claim(request=claimed, officer=officer)
