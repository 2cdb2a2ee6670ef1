"""Certificates kept on the server for signers: `<signing_dir>/<username>.p12` and,
beside it, its password in `<username>.password` (its first line). Only a username
made of letters, digits, dots, dashes and underscores (and not starting with a dot)
names a file: no other name reaches the file system."""

from __future__ import annotations

import re
from pathlib import Path

SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")
MAX_FILE = 1024 * 1024  # a PKCS#12 file is a few kilobytes


class KeptCertificateFiles:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, username: str) -> tuple[bytes, str] | None:
        if not SAFE_NAME.fullmatch(username):
            return None
        p12 = self.directory / f"{username}.p12"
        try:
            if not p12.is_file() or p12.stat().st_size > MAX_FILE:
                return None
            content = p12.read_bytes()
        except OSError:
            return None
        password = ""
        try:
            lines = (self.directory / f"{username}.password").read_text("utf-8").splitlines()
            password = lines[0] if lines else ""
        except (OSError, UnicodeDecodeError):
            pass
        return content, password
