"""Writes the corpus to a directory, to look at or to try on other tools:
`python -m tests.pdf.corpus DIR`."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.pdf.corpus import CASES


def main(directory: str) -> None:
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        path = target / f"{case.name}.pdf"
        case.write(path)
        expected = case.code or f"accepted {case.warnings}"
        print(f"{path}  {path.stat().st_size:>8} bytes  {expected}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "corpus-out")
