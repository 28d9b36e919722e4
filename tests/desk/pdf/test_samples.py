"""Every public sample PDF ends in a recorded, explained state: usable end to end, or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from longroom.desk.pdf import SealCredentials, inspect_pdf, render_pages, stamp_and_sign, verify_stamped

from .conftest import make_spec

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "pdf-samples"

# Files that do not simply come out "ok", and why (py-pdf/sample-files, CC-BY-SA-4.0).
EXPECTED_PROBLEMS: dict[str, tuple[str, str]] = {
    "005-libreoffice-writer-password__libreoffice-writer-password.pdf": (
        "encrypted",
        "needs the user (open) password 'openpassword': cannot be read, so it is refused",
    ),
    "017-unreadable-meta-data__unreadablemetadata.pdf": (
        "unreadable",
        "damaged linearised file: qpdf finds no valid page tree root and PDFium reports a "
        "data format error, so there is nothing we could render or stamp",
    ),
}

sample_files = sorted(SAMPLES.glob("*.pdf")) if SAMPLES.is_dir() else []


@pytest.mark.skipif(not sample_files, reason=f"sample PDFs not found in {SAMPLES}")
@pytest.mark.parametrize("path", sample_files, ids=lambda p: p.name[:40])
def test_sample_pdf_ends_in_its_recorded_state(path: Path, seal: SealCredentials) -> None:
    data = path.read_bytes()
    inspection = inspect_pdf(data)
    expected, why = EXPECTED_PROBLEMS.get(path.name, ("ok", "an ordinary, readable PDF"))
    assert (inspection.problem or "ok") == expected, f"{path.name}: expected {expected} ({why}); {inspection}"
    if not inspection.ok:
        assert inspection.message
        return
    usable = inspection.usable_pdf(data)
    pages = render_pages(usable, max_pages=2)
    assert len(pages) == min(2, inspection.page_count)
    stamped = stamp_and_sign(usable, make_spec(), seal)
    assert stamped.startswith(usable)
    result = verify_stamped(stamped, trusted_certificates_der=[seal.certificate_der])
    assert result.genuine, result
    assert result.original_length == len(usable)
