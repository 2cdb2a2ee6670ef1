"""The limits that keep one hostile or oversized PDF from affecting anything else."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 100 * 1024 * 1024
    max_pages: int = 1000
    # One page render; enforced by the caller through `WorkerPool.call(timeout=...)`.
    page_timeout_s: float = 30.0
    # The whole ingest of one document; enforced by the caller, kept here with the others.
    document_timeout_s: float = 600.0
    # RLIMIT_AS of each worker process.
    memory_bytes: int = 2 * 1024**3
    # Pillow's decompression-bomb limit, also the largest bitmap a worker renders.
    max_image_pixels: int = 64_000_000
    # PDF's own maximum user-space size (200 in).
    max_page_side_pt: float = 14_400.0
    # Longer side / shorter side.
    max_page_aspect: float = 20.0
