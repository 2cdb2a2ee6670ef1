"""PDF ingest and page rendering: untrusted uploads are inspected, rendered and
watermarked in worker processes (`pool`, `worker`) under the limits of `limits`."""
