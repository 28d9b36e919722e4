"""Acceptance 1 and 2 against the real thing: `migrate`, `demo_load` and `run` as processes, mail in
over SMTP, the officer's flow in Debian Chromium, the stamped PDF back in var/outbox/.
"""

from __future__ import annotations

import base64
import io
import re
import time
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage

import pytest

from longroom.desk.demo import DEMO_PASSWORD

from .conftest import (
    OFFICER,
    QUEUE_410_CARGO,
    RunningLongroom,
    client_address,
    sign_in_in_browser,
    wait_for_components,
)

pytestmark = pytest.mark.e2e

REFERENCE = re.compile(r"LR-410-C-\d{4}-\d{6}")
# Acceptance 1: "appears in that office's queue within 2 seconds".
QUEUE_LATENCY_LIMIT_SECONDS = 2.0


def _acknowledgement_for(system: RunningLongroom, number: str) -> EmailMessage:
    return system.wait_for_mail(
        lambda m: number in str(m["Subject"]) and not any(True for _ in m.iter_attachments()),
        what=f"acknowledgement for {number}",
    )


def _pdf_attachments(message: EmailMessage) -> list[bytes]:
    return [
        part.get_content()
        for part in message.iter_attachments()
        if part.get_content_type() == "application/pdf"
    ]


def test_emailed_request_appears_in_the_queue_within_two_seconds_and_is_acknowledged(longroom_system):
    system = longroom_system
    first = system.first_arrival  # the first e-mail after `run` started (timed by the fixture)
    assert first is not None
    officer = system.http()
    officer.sign_in(OFFICER, DEMO_PASSWORD)
    later = system.time_to_queue(officer)
    print(
        f"\nSMTP → 410 cargo queue: first e-mail after start {first.seconds:.3f} s "
        f"({first.queue_loads} page loads); a later one {later.seconds:.3f} s ({later.queue_loads} page loads)"
    )

    for arrival in (first, later):
        ack = _acknowledgement_for(system, arrival.number)
        reference = REFERENCE.search(str(ack["Subject"]))
        assert reference, f"the acknowledgement's subject carries no reference: {ack['Subject']!r}"
        assert reference.group(0) in ack.get_body(("plain",)).get_content()
        assert ack["To"] == client_address(arrival.number)
        assert ack["In-Reply-To"] == arrival.message_id
        assert reference.group(0) in officer.get(QUEUE_410_CARGO)

    for arrival in (first, later):
        assert arrival.seconds <= QUEUE_LATENCY_LIMIT_SECONDS, (
            f"a request took {arrival.seconds:.2f}s to reach the queue"
        )


def _seal_certificate_der(system: RunningLongroom) -> tuple[bytes, str]:
    """The office's active seal certificate, read through the ORM of the running installation."""
    out = system.manage(
        "shell",
        "-c",
        (
            "import base64; from longroom.desk.models import SealCertificate as S; "
            "s = S.objects.get(office__number='410', active=True); "
            "print('SEAL', base64.b64encode(bytes(s.certificate_der)).decode(), s.fingerprint_sha256)"
        ),
    )
    line = next(line for line in out.splitlines() if line.startswith("SEAL "))
    _tag, der, fingerprint = line.split()
    return base64.b64decode(der), fingerprint


def _validate_with_pyhanko(stamped: bytes, certificate_der: bytes):  # type: ignore[no-untyped-def]
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(stamped))
    signatures = reader.embedded_signatures
    assert signatures, "the stamped PDF carries no signature"
    context = ValidationContext(trust_roots=[x509.Certificate.load(certificate_der)], allow_fetching=False)
    return signatures[-1], validate_pdf_signature(signatures[-1], context)


def test_officer_claims_stamps_and_returns_a_request_in_the_browser(longroom_system, browser):
    from playwright.sync_api import expect

    system = longroom_system
    number, original_pdf, message_id = system.email_request()
    reference = REFERENCE.search(str(_acknowledgement_for(system, number)["Subject"])).group(0)  # type: ignore[union-attr]

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"script error: {exc}"))
    # Console errors include CSP refusals; failed loads are reported with their URL below.
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None,
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"HTTP {r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")  # no favicon yet; browsers ask anyway
            else None
        ),
    )
    try:
        # Sign in, open the desk, the 410 cargo queue, the request.
        sign_in_in_browser(page, system.base_url, OFFICER, DEMO_PASSWORD)
        page.goto(f"{system.base_url}/en/desk/")
        wait_for_components(page)
        page.locator("section[aria-labelledby=office-410]").get_by_role(
            "link", name=re.compile("^Cargo queue")
        ).click()
        page.wait_for_url(f"**{QUEUE_410_CARGO}")
        page.locator("#queue tr", has_text=number).get_by_role("link", name=reference).click()
        page.wait_for_url(f"**/en/desk/requests/{reference}/")

        # Claim it.
        page.locator("#claim").click()
        page.wait_for_url(f"**/en/desk/requests/{reference}/")
        wait_for_components(page)
        expect(page.get_by_text("You have claimed this request.")).to_be_visible()

        # The page preview (rendered by the worker; it may still be on its way).
        deadline = time.monotonic() + 20
        while page.locator("#page-view").count() == 0:
            assert time.monotonic() < deadline, "the page preview never appeared"
            time.sleep(0.3)
            page.reload()
        page.wait_for_function(
            "() => { const i = document.getElementById('page-view');"
            " return i.complete && i.naturalWidth > 0; }"
        )

        # Place the stamp with a click on the page, lower left.
        view = page.locator("#page-view")
        box = view.bounding_box()
        assert box is not None
        view.click(position={"x": box["width"] * 0.10, "y": box["height"] * 0.70})
        x = float(page.locator("#stamp-form [name=x]").input_value())
        y = float(page.locator("#stamp-form [name=y]").input_value())
        assert 0.05 < x < 0.15 and 0.65 < y < 0.75, (x, y)
        expect(page.locator("#stamp-marker")).to_be_visible()

        # Preview it.
        with page.expect_response(lambda r: "/stamp/preview.png" in r.url) as preview:
            page.get_by_role("button", name="Preview the stamp").click()
        assert preview.value.status == 200, preview.value.status
        assert preview.value.headers["content-type"] == "image/png"
        page.wait_for_function(
            "() => { const i = document.getElementById('page-view');"
            " return i.src.includes('/stamp/preview.png') && i.complete && i.naturalWidth > 0; }"
        )

        # Confirm: stamp and sign, returning by e-mail now (the default).
        expect(page.locator("#stamp-form [name=return_now]")).to_be_checked()
        page.get_by_role("button", name="Confirm: stamp and sign").click()
        page.wait_for_url(f"**/en/desk/requests/{reference}/", wait_until="load")
        wait_for_components(page)
        expect(page.get_by_text("The document was stamped and signed.")).to_be_visible()

        # The client's e-mail: in the same thread, with the stamped PDF.
        returned = system.wait_for_mail(
            lambda m: reference in str(m["Subject"]) and bool(_pdf_attachments(m)),
            what=f"return of {reference}",
        )
        assert returned["To"] == client_address(number)
        assert returned["In-Reply-To"] == message_id
        assert message_id in str(returned["References"])
        (stamped,) = _pdf_attachments(returned)

        # The client's bytes are untouched: the stamp is an incremental update after them.
        assert len(stamped) > len(original_pdf)
        assert stamped[: len(original_pdf)] == original_pdf

        # pyHanko: intact, valid, trusted against the office's seal, covering the whole file.
        certificate_der, fingerprint = _seal_certificate_der(system)
        # validate_pdf_signature runs its own event loop; Playwright's owns this thread.
        with ThreadPoolExecutor(1) as pool:
            signature, status = pool.submit(_validate_with_pyhanko, stamped, certificate_der).result()
        from pyhanko.sign.validation import SignatureCoverageLevel

        print(f"\npyHanko: {status.summary()}")
        assert signature.signer_cert.sha256.hex() == fingerprint
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.bottom_line, status.pretty_print_details()
        assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE

        # The public verification page, as anyone holding the file would use it.
        def verify(data: bytes) -> None:
            page.goto(f"{system.base_url}/en/desk/verify/")
            wait_for_components(page)
            page.set_input_files(
                "input[name=file]",
                files=[{"name": f"{number}-stamped.pdf", "mimeType": "application/pdf", "buffer": data}],
            )
            page.get_by_role("button", name="Verify the file").click()
            page.wait_for_selector("#verify-result")
            wait_for_components(page)

        verify(stamped)
        expect(page.locator("#verify-result")).to_have_attribute("data-genuine", "true")
        expect(page.get_by_text("Genuine and unaltered")).to_be_visible()
        expect(page.locator("#verify-result")).to_contain_text(reference)

        # One byte inside the client's original content: the first page's (compressed) content stream.
        stream = original_pdf.find(b"stream\n")
        assert stream > 0
        changed_at = stream + len(b"stream\n") + 8
        assert changed_at < len(original_pdf)
        tampered = bytearray(stamped)
        tampered[changed_at] ^= 0x01
        verify(bytes(tampered))
        expect(page.locator("#verify-result")).to_have_attribute("data-genuine", "false")
        expect(page.get_by_text("Not genuine")).to_be_visible()

        assert not errors, f"browser errors: {errors}"
    finally:
        context.close()
