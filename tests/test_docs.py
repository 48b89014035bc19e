"""The docs say what the code does: every setting the README's configuration table
documents is read by the code and every variable the code reads is documented, the
files and variables the docs name exist, the fuzz figures are the code's, and the
contract the README points to is in the repository."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCS = {path: path.read_text() for path in [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md"))]}
# Where the service reads its environment: every variable read here is documented.
CONFIG_SOURCES = [ROOT / "calendarsite" / "settings.py", ROOT / "gunicorn.conf.py"]
# `make serve`'s launcher, whose own knobs are documented in docs/serving.md; the README
# may document those it shares with the service.
LAUNCHER = ROOT / "deploy" / "serve.py"
READ = re.compile(
    r"""(?:getenv|environ\.get|environ\.setdefault|environ\[|env(?:int|bool|list))\(?\s*["']([A-Z][A-Z0-9_]+)["']"""
)


def configuration_table() -> set[str]:
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    first_cells = re.findall(r"^\| ([^|]+) \|", section, flags=re.MULTILINE)
    return {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


def read_by(paths: list[Path]) -> set[str]:
    return {name for path in paths for name in READ.findall(path.read_text())}


def test_every_documented_setting_is_read_and_every_read_one_documented():
    documented = configuration_table()
    read = read_by(CONFIG_SOURCES) - {"DJANGO_SETTINGS_MODULE"}  # Django's, not a setting
    launcher = read_by([LAUNCHER]) if LAUNCHER.exists() else set()
    assert documented, "the README's configuration table was not found"
    unread = documented - read - launcher
    assert not unread, f"documented in the README, read nowhere: {unread}"
    assert not read - documented, f"read, not in the README's table: {read - documented}"


def test_environment_variables_set_in_the_docs_are_read_by_the_code():
    """`NAME=value` in any doc (not a shell variable the doc itself uses as $NAME)."""
    code = [*ROOT.glob("*/*.py"), *ROOT.glob("*/*/*.py"), *ROOT.glob("*.py")]
    read = read_by([p for p in code if ".venv" not in p.parts])
    makefile = (ROOT / "Makefile").read_text()
    read |= set(re.findall(r"^([A-Z_]+) \?=", makefile, re.MULTILINE))
    read |= set(re.findall(r"\$\(([A-Z_]+)\)", makefile))
    stale = {}
    for path, text in DOCS.items():
        for name in set(re.findall(r"(?<![\w$])([A-Z][A-Z0-9_]{2,})=", text)):
            if f"${name}" not in text and name not in read:
                stale.setdefault(path.name, []).append(name)
    assert not stale, f"variables the docs set but no code reads: {stale}"


def test_files_the_docs_name_exist():
    named = re.compile(
        r"`((?:docs|bench|tests|calendarsite|calendars|events|templates|deploy|tools)/[\w./-]+\.\w+)"
    )
    missing = {
        (path.name, name)
        for path, text in DOCS.items()
        for name in named.findall(text)
        if not (ROOT / name).exists() and not (path.parent / name).exists()
    }
    assert not missing, f"named in the docs, not in the repository: {sorted(missing)}"


def test_names_the_docs_place_in_a_file_are_defined_there():
    """`path.py:name` (docs/architecture.md's way of naming a function or class, and
    `path.py:Class.method`): each part is defined in that file."""
    placed = re.compile(
        r"`((?:bench|tests|calendarsite|calendars|events|deploy)/[\w/]+\.py):([\w.]+)`"
    )
    missing = set()
    for path, text in DOCS.items():
        for file, name in placed.findall(text):
            source = (ROOT / file).read_text() if (ROOT / file).is_file() else ""
            for part in name.split("."):
                defined = rf"^\s*(?:(?:async )?def|class) {part}\b|^{part}\s*[:=]"
                if not re.search(defined, source, re.MULTILINE):
                    missing.add((path.name, f"{file}:{name}"))
    assert not missing, f"named in the docs, not defined where they say: {sorted(missing)}"


def test_the_architecture_page_is_linked_from_the_readme_layout():
    layout = README.split("## Layout", 1)[1].split("\n## ", 1)[0]
    assert "`docs/architecture.md`" in layout


def test_the_readme_points_to_the_contract_in_the_repository():
    assert "`docs/spec/API.md`" in README
    assert (ROOT / "docs" / "spec" / "API.md").is_file()
    for path, text in DOCS.items():
        assert "../shared" not in text, f"{path.name} points outside the repository"


def test_the_contract_copy_is_the_shared_one_when_it_is_beside_the_repository():
    shared = ROOT.parent / "shared" / "spec"
    if not shared.is_dir():
        pytest.skip("no shared/spec beside this checkout to compare with")
    for original in shared.iterdir():
        assert (ROOT / "docs" / "spec" / original.name).read_bytes() == original.read_bytes()


def test_fuzz_figures_in_the_docs_are_the_codes():
    source = (ROOT / "tests" / "test_fuzz.py").read_text()
    per_operation = re.search(r'"FUZZ_EXAMPLES", "(\d+)"', source).group(1)
    for path in (ROOT / "README.md", ROOT / "docs" / "openapi.md"):
        text = DOCS[path]
        figures = re.findall(r"(\d+) requests per (?:documented )?operation", text)
        assert figures, f"{path.name} states no fuzz figure"
        assert set(figures) == {per_operation}, f"{path.name}: {figures} vs {per_operation}"
