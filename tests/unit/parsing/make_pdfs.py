"""Rebuild the corpus PDFs from their HTML sources with WeasyPrint:
.venv/bin/python -m tests.integration.parsing.make_pdfs"""

from __future__ import annotations

from weasyprint import HTML

from tests.unit.parsing.corpus import CORPUS


def main() -> None:
    for source in sorted(CORPUS.glob("*.pdf.html")):
        target = source.with_name(source.name.removesuffix(".html"))
        HTML(filename=str(source)).write_pdf(str(target))
        print(target.name, target.stat().st_size)


if __name__ == "__main__":
    main()
