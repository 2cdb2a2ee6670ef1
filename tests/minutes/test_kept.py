"""Certificates kept on the server for signers: found by a plain username only, with
the first line of their password file; nothing else reaches the file system."""

from __future__ import annotations

from pathlib import Path

from meetroom.minutes.kept import KeptCertificateFiles


def test_a_kept_certificate_is_found_by_a_plain_username_only(tmp_path: Path) -> None:
    kept = tmp_path / "signing"
    kept.mkdir()
    (kept / "an.nguyen.p12").write_bytes(b"p12")
    (kept / "an.nguyen.password").write_text("mật khẩu\nsecond line\n", "utf-8")
    (kept / "binh.p12").write_bytes(b"p12 of binh")  # no password kept
    (tmp_path / "outside.p12").write_bytes(b"not in the directory")
    files = KeptCertificateFiles(kept)
    assert files.get("an.nguyen") == (b"p12", "mật khẩu")
    assert files.get("binh") == (b"p12 of binh", "")
    assert files.get("nobody") is None
    for name in ("../outside", "/etc/passwd", ".hidden", "", "a/b", "an nguyen"):
        assert files.get(name) is None, name
