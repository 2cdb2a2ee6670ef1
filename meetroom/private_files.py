"""Folders and files that only the server's own user may read: the data directory,
the SQLite database, stored documents and their renders, and secrets. The server sets
the umask to 077 at start, and every place that creates one of these says the mode
too, so that they stay private also where the umask is not ours (tests, a library)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
UMASK = 0o077


def restrict_umask() -> None:
    """Whatever this process and its children create is for its own user only."""
    os.umask(UMASK)


def private_dir(path: Path) -> Path:
    """`path` and its missing parents, created 0700 (an existing folder is kept as it
    is: see `tighten` for the data directory itself)."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:  # another process made it meanwhile
            pass
    return path


def create_private(path: Path) -> int:
    """A new file, 0600, opened for writing; fails if it exists (FileExistsError)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)


def ensure_private_file(path: Path) -> None:
    """An empty 0600 file unless `path` exists (e.g. an SQLite database, created with
    the mode that SQLite then gives its journal and WAL files too)."""
    try:
        os.close(create_private(path))
    except FileExistsError:
        pass


def tighten(path: Path) -> None:
    """Take group and others' access away from an existing file or folder of ours
    (earlier versions created the data directory 0755 and the database 0644)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid == os.getuid() and mode & UMASK:
        os.chmod(path, mode & ~UMASK)
