"""The wheel carries everything the server needs (templates, static files, catalogs,
migrations), and an installed copy runs from its own files, not the repository's.

Building needs the build backend (hatchling): pip fetches it from the package index
unless it is cached, so this test needs that access (CI has it).
"""

from __future__ import annotations

import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.processes import REPO, ServerProcess, clean_env

CATALOG = "meetroom/locale/vi/LC_MESSAGES/messages.po"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=out,
        timeout=300,
    )
    assert result.returncode == 0, f"pip wheel failed\n{result.stdout}\n{result.stderr}"
    wheels = list(out.glob("meetroom-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("installed") / "site"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site)]
        + [str(wheel)],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=site.parent,
        timeout=300,
    )
    assert result.returncode == 0, f"pip install failed\n{result.stdout}\n{result.stderr}"
    assert (site / "meetroom" / "__init__.py").is_file()
    return site


def _repo_files(folder: str) -> set[str]:
    root = REPO / folder
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    for required in (
        "meetroom/__init__.py",
        "meetroom/__main__.py",
        "meetroom/web/templates/base.html",
        "meetroom/web/static/css/app.css",
        "meetroom/store/migrations/env.py",
    ):
        assert required in names, f"{required} is not in {wheel.name}"

    # Every file of web/ ships, under meetroom/web/.
    missing_web = {f"meetroom/web/{f}" for f in _repo_files("web")} - names
    assert not missing_web, f"not in the wheel: {sorted(missing_web)}"

    # The demo meeting's documents ship too, and every font (the watermark's, and those
    # that replace fonts a PDF does not embed) with its licence.
    missing_media = {f"meetroom/media/{f}" for f in _repo_files("media")} - names
    assert not missing_media, f"not in the wheel: {sorted(missing_media)}"
    fonts = {f"meetroom/pdf/fonts/{f}" for f in _repo_files("meetroom/pdf/fonts")}
    assert "meetroom/pdf/fonts/DejaVuSans.ttf" in fonts
    assert "meetroom/pdf/fonts/LiberationSerif-Regular.ttf" in fonts
    assert "meetroom/pdf/fonts/LICENSE-Liberation.txt" in fonts
    assert not fonts - names, f"not in the wheel: {sorted(fonts - names)}"
    shipped = {i.filename: i.file_size for i in zipfile.ZipFile(wheel).infolist()}
    assert all(shipped[f] == (REPO / f).stat().st_size for f in fonts)

    # Every migration ships.
    versions = {
        f"meetroom/store/migrations/versions/{p.name}"
        for p in (REPO / "meetroom/store/migrations/versions").glob("*.py")
    }
    assert versions, "no migrations in the repository"
    assert versions <= names, f"not in the wheel: {sorted(versions - names)}"

    # The entry point of the `meetroom` command.
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "meetroom = meetroom.__main__:main" in text

    # Nothing of the development tree.
    assert not any(n.startswith(("tests/", ".venv/", "var/")) for n in names), sorted(names)

    if not (REPO / CATALOG).is_file():
        pytest.skip(f"{CATALOG} does not exist in the repository yet")
    assert CATALOG in names, f"{CATALOG} is not in {wheel.name}"


def test_installed_copy_uses_its_own_files(
    installed: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = clean_env(PYTHONPATH=str(installed))
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import meetroom\n"
            "from meetroom.server import web_root\n"
            "from meetroom.server.i18n import LOCALE_DIR\n"
            "from meetroom.store.database import MIGRATIONS_DIR\n"
            "from meetroom.config import bundled_path\n"
            "print(meetroom.__file__); print(web_root()); print(LOCALE_DIR)\n"
            "print(MIGRATIONS_DIR); print(bundled_path('media'))",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # not the repository, so it is not the first entry of sys.path
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    # (The venv's editable install may put the repository on sys.path too, after
    # PYTHONPATH: the installed copy must win and find its files next to itself.)
    package, web, locale, migrations, media = probe.stdout.split("\n")[:5]
    for path in (package, web, locale, migrations, media):
        assert Path(path).resolve().is_relative_to(installed.resolve()), (
            f"{path} is not inside the installed copy {installed}\n{probe.stdout}"
        )
    assert Path(web) == (installed / "meetroom" / "web").resolve()

    # The installed copy serves pages, with its own templates and catalogs.
    server = ServerProcess(
        tmp_path / "data",
        env=clean_env(PYTHONPATH=str(installed), MEETROOM_ADMIN_PASSWORD="installed-admin-1"),
        cwd=tmp_path,
    )
    request.addfinalizer(server.kill)
    server.wait_ready()
    assert str((tmp_path / "data").resolve()) in server.stdout, server.describe()
    with urllib.request.urlopen(server.base_url + "/login", timeout=10) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/html")
        page = resp.read().decode()
    assert "MeetRoom" in page
    assert '<form method="post" action="/login"' in page
    with urllib.request.urlopen(server.base_url + "/static/css/app.css", timeout=10) as resp:
        assert resp.status == 200
        assert resp.read() == (REPO / "web/static/css/app.css").read_bytes()
    if (installed / CATALOG).is_file():
        vi = urllib.request.Request(server.base_url + "/login", headers={"Accept-Language": "vi"})
        with urllib.request.urlopen(vi, timeout=10) as resp:
            assert "Đăng nhập" in resp.read().decode(), "the shipped Vietnamese catalog is not used"
    assert server.interrupt() == 0, server.describe()
