"""Writing and XSD-validating a master catalog of N products for SFCC.

Synthetic products: N/4 masters with three variants each plus N/4 simple products
(100k = 25k masters x 3 variants + 25k simple, and the 25k master records on top), with two locales,
image groups, custom attributes and a category assignment each. The catalog is written
with ``CatalogWriter`` (files split at 90 MB) and then validated with the reference
XSDs (``../shared/reference/sfcc/xsd``, read in place) by ``validate``. Prints the
seconds of each step, the files' sizes and the peak RSS of this process.

usage: python benchmarks/sfcc_write.py --products 100000 [--xsd FOLDER]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from pimsync.connectors.sfcc import (
    CatalogWriter,
    SfccAssignment,
    SfccCategory,
    SfccImageGroup,
    SfccImageSettings,
    SfccProduct,
    SfccVariationAttribute,
    SfccVariationValue,
    validate,
)

ROOT = Path(__file__).resolve().parents[1]
XSD = (ROOT / ".." / "shared" / "reference" / "sfcc" / "xsd").resolve()
COLORS = ("red", "blue", "green")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def product(pid: str, n: int, color: str | None = None, **extra: object) -> SfccProduct:
    return SfccProduct(
        pid,
        display_name={"x-default": f"Product {n}", "fr-FR": f"Produit {n}"},
        long_description={"x-default": f"A long description of product {n}. " * 4},
        online=True,
        searchable=True,
        brand="Acme",
        image_groups=[SfccImageGroup("large", [f"img/{n % 97}/{pid}.jpg"])],
        custom_attributes={
            "akeneo_material": {"en-US": "Cotton", "fr-FR": "Coton"},
            "akeneo_weight": Decimal("0.25"),
            "akeneo_tags": ["summer", "basic"],
            **({"akeneo_color": color} if color else {}),
        },
        classification_category=f"cat-{n % 50}",
        **extra,  # type: ignore[arg-type]
    )


def write(path: Path, products: int) -> tuple[list[Path], int]:
    masters = products // 4
    written = 0
    with CatalogWriter(
        path, "bench-master", image_settings=SfccImageSettings(view_types=["large"])
    ) as writer:
        writer.write_category(SfccCategory("root", display_name={"x-default": "Root"}))
        for c in range(50):
            writer.write_category(SfccCategory(f"cat-{c}", parent="root"))
        axis = SfccVariationAttribute(
            "akeneo_color", [SfccVariationValue(c, {"x-default": c}) for c in COLORS]
        )
        for m in range(masters):
            variants = [f"m{m}-{c}" for c in COLORS]
            writer.write_product(
                product(f"m{m}", m, variation_attributes=[axis], variants=variants)
            )
            writer.write_assignment(SfccAssignment(f"m{m}", f"cat-{m % 50}", primary=True))
            for v, pid in enumerate(variants):
                writer.write_product(product(pid, m * 3 + v, COLORS[v]))
            written += 4
        for s in range(products - masters * 3):
            writer.write_product(product(f"s{s}", s))
            writer.write_assignment(SfccAssignment(f"s{s}", f"cat-{s % 50}"))
            written += 1
    return writer.paths, written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--xsd", type=Path, default=XSD)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        paths, written = write(Path(folder) / "catalog.xml", args.products)
        write_seconds = time.perf_counter() - started
        rss_after_write = peak_rss_mb()
        started = time.perf_counter()
        problems = [p for path in paths for p in validate(path, args.xsd)]
        validate_seconds = time.perf_counter() - started
        sizes = [path.stat().st_size / 1e6 for path in paths]
    print(f"products written: {written} (masters + variants + simple)")
    print(f"files: {len(sizes)}, sizes MB: {', '.join(f'{s:.1f}' for s in sizes)}")
    print(f"write: {write_seconds:.1f} s, peak RSS after write {rss_after_write:.0f} MB")
    print(f"validate: {validate_seconds:.1f} s, problems: {len(problems)} {problems[:3]}")
    print(f"total: {write_seconds + validate_seconds:.1f} s, peak RSS {peak_rss_mb():.0f} MB")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
