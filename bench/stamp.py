"""Stamp-and-sign time for a 1-page and a 100-page PDF, on a warm sandbox pool.

A thin wrapper that returns figures for `bench/run.py`; the documents, the spec and the
timing loop are those of `bench/bench_stamp.py` (the fuller PDF benchmark, run it directly for
render, inspect and verify timings too). Each figure is the median and p95 of --runs calls
after one warm-up call; the stamp goes on page 1, and for the 100-page document also on all
100 pages (for information).

    .venv/bin/python bench/stamp.py [--runs 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, summary_ms

TARGET_1_PAGE_MS = 150.0
TARGET_100_PAGES_MS = 1000.0


def run(runs: int) -> dict[str, Any]:
    import bench_stamp
    from longroom.desk.pdf import StampSpec, shutdown_sandbox, stamp_and_sign, warm_up

    seal, spec = bench_stamp.seal_and_spec()
    all_pages = StampSpec(**{**spec.__dict__, "pages": list(range(100))})
    one, hundred = bench_stamp.make_pdf(1), bench_stamp.make_pdf(100)
    started = time.perf_counter()
    warm_up()
    warm_ms = (time.perf_counter() - started) * 1000
    try:
        figures = {
            "one_page": summary_ms(bench_stamp.timed(lambda: stamp_and_sign(one, spec, seal), runs)),
            "hundred_pages": summary_ms(bench_stamp.timed(lambda: stamp_and_sign(hundred, spec, seal), runs)),
            "hundred_pages_all_stamped": summary_ms(
                bench_stamp.timed(lambda: stamp_and_sign(hundred, all_pages, seal), max(5, runs // 4))
            ),
        }
    finally:
        shutdown_sandbox()
    print(
        f"stamp-and-sign (warm sandbox pool, started in {warm_ms:.0f} ms; "
        f"documents {len(one):,} B and {len(hundred):,} B):",
        flush=True,
    )
    for key, label, target in (
        ("one_page", "1-page PDF", f"target ≤ {TARGET_1_PAGE_MS:.0f} ms"),
        ("hundred_pages", "100-page PDF, stamp on page 1", f"target ≤ {TARGET_100_PAGES_MS:.0f} ms"),
        ("hundred_pages_all_stamped", "100-page PDF, stamp on all pages", "for information"),
    ):
        f = figures[key]
        print(
            f"  {label:<34} median {f['median_ms']:7.1f} ms  p95 {f['p95_ms']:7.1f} ms  "
            f"max {f['max_ms']:7.1f} ms  (n={f['n']}; {target})",
            flush=True,
        )
    return {"runs": runs, **figures}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    emit(run(args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
