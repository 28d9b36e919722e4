"""Benchmark: stamp-and-sign and render+barcode times on a warm PDF sandbox pool.

    python bench/bench_stamp.py [--runs 20]

Generates its own documents (reportlab), so it needs nothing but the package.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen import canvas

from longroom.desk.pdf import (
    SealCredentials,
    StampSpec,
    generate_demo_seal,
    inspect_pdf,
    render_pages,
    shutdown_sandbox,
    stamp_and_sign,
    verify_stamped,
    warm_up,
)


def make_pdf(pages: int) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=LETTER)
    for number in range(1, pages + 1):
        c.setFont("Helvetica", 12)
        for line in range(40):
            c.drawString(72, 740 - 16 * line, f"Page {number}, line {line + 1}: commercial invoice details")
        code128.Code128("10234567890123", barWidth=1.5, barHeight=36).drawOn(c, 72, 60)
        c.showPage()
    c.save()
    return out.getvalue()


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # first call per worker pays for lazy imports and font caches
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def cpu_time(fn: Callable[[], object], runs: int) -> float:
    """Median CPU seconds of ``fn`` run in this process (sandbox inline mode).

    Wall-clock figures depend on what else the machine is doing; CPU time is close to what an
    idle machine's wall clock would show, minus the sandbox's IPC overhead (~1 ms).
    """
    os.environ["LONGROOM_PDF_SANDBOX"] = "inline"
    try:
        fn()
        samples = []
        for _ in range(runs):
            started = time.process_time()
            fn()
            samples.append(time.process_time() - started)
        return statistics.median(samples)
    finally:
        del os.environ["LONGROOM_PDF_SANDBOX"]


def report(label: str, fn: Callable[[], object], runs: int, per: int = 1) -> float:
    ordered = sorted(timed(fn, runs))
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    cpu = cpu_time(fn, max(3, runs // 2))
    extra = (
        f"  per page: median {median / per * 1000:6.1f} ms, cpu {cpu / per * 1000:6.1f} ms" if per > 1 else ""
    )
    print(
        f"{label:<42} median {median * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  cpu {cpu * 1000:7.1f} ms{extra}"
    )
    return median


def seal_and_spec() -> tuple[SealCredentials, StampSpec]:
    """A demo seal and a typical stamp, the same for every stamping benchmark."""
    bundle, passphrase = generate_demo_seal(common_name="Bench seal", organization="Longroom bench")
    spec = StampSpec(
        text_en="AUTHORIZED TO MOVE IN BOND",
        text_fr="MOUVEMENT SOUS DOUANE AUTORISÉ",
        office_en="LONGROOM 410",
        office_fr="SALLE DES COMPTOIRS 410",
        date_text="2026-11-21 14:05 EST",
        officer_identifier="AB1234",
        reference="LR-410-C-2026-000123",
        verify_url="https://longroom.example/verify/LR-410-C-2026-000123/",
    )
    return SealCredentials.from_pkcs12(bundle, passphrase), spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    seal, spec = seal_and_spec()
    one, hundred = make_pdf(1), make_pdf(100)
    started = time.perf_counter()
    warm_up()
    print(f"{'pool warm-up':<44} {(time.perf_counter() - started) * 1000:8.1f} ms")
    print(f"load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"documents: 1 page = {len(one):,} B, 100 pages = {len(hundred):,} B; runs = {args.runs}")

    report("stamp+sign, 1-page PDF", lambda: stamp_and_sign(one, spec, seal), args.runs)
    report("stamp+sign, 100-page PDF (page 1)", lambda: stamp_and_sign(hundred, spec, seal), args.runs)
    all_pages = StampSpec(**{**spec.__dict__, "pages": list(range(100))})
    report(
        "stamp+sign, 100-page PDF (all 100 pages)",
        lambda: stamp_and_sign(hundred, all_pages, seal),
        max(3, args.runs // 4),
    )
    stamped = stamp_and_sign(one, spec, seal)
    trusted = [seal.certificate_der]
    report(
        "verify, stamped 1-page PDF",
        lambda: verify_stamped(stamped, trusted_certificates_der=trusted),
        args.runs,
    )
    report("inspect, 1-page PDF", lambda: inspect_pdf(one), args.runs)
    report("render+barcodes, 1-page PDF", lambda: render_pages(one), args.runs)
    report("render without barcodes, 1-page PDF", lambda: render_pages(one, decode=False), args.runs)
    intake = report(
        "inspect + previews + barcodes, 1 page", lambda: (inspect_pdf(one), render_pages(one)), args.runs
    )
    print(
        f"{'  => one-page documents/s, PDF work only':<42} {1 / intake:7.1f} (intake itself only inspects; "
        "previews are a later, lower-priority task: bench/intake.py measures intake)"
    )
    report("render+barcodes, 100-page PDF", lambda: render_pages(hundred), 3, per=100)
    print(f"load average after the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    shutdown_sandbox()


if __name__ == "__main__":
    main()
