"""The docs stay true to the tree: docs/architecture.md's map, the Markdown links, the section
references.

- Every path docs/architecture.md names exists. A *named path* is a token ending in one of
  :data:`NAMED_EXTENSIONS` (``js/page/main.js``, or a bare ``kept.py``, which must be the name
  of some file), a folder token ending in ``/`` (``js/worker/``), or a code span without spaces
  that holds a ``/`` and no ``<placeholder>`` (``.ci/run``, ``py/peel``). Paths under ``dist/``
  are build output and not checked; :data:`GENERATED` files are made by the build and must be
  git-ignored instead.
- Every source file is named there by its full path. Source files: the files git tracks (or
  would: new and not ignored) ending in :data:`SOURCE_EXTENSIONS`, i.e. ``js/**/*.js``,
  ``py/**/*.py``, ``buildtools/*``, the code under ``bench/``, ``build.py``, ``sw.js``,
  ``index.html``, ``css/*.css``, ``manifest.webmanifest`` and the tests' helpers (conftest, fakes,
  drivers), except the tests themselves (``tests/**/test_*.py``, ``tests/**/*.test.js``),
  ``tests/**/__init__.py`` and anything under ``tests/fixtures/``. A folder holding tracked files
  (outside ``tests/fixtures/``) must be named, as ``folder/`` or as part of a named path.
- Every relative link in README.md and docs/*.md (``[text](target)``, ``src=``/``href=``) points to
  an existing file, and its ``#anchor`` to a heading of that file.
- A reference to a Markdown section anywhere in the tracked text (a ``.md`` path or ``README``,
  then ``, "Heading"``, as code comments write them) names an existing file with a heading that
  starts with that text.

The failure messages list exactly which names are missing or extra, so that a renamed or added
file is one edit of docs/architecture.md away.
"""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"

#: Endings that make a token in docs/architecture.md a file path.
NAMED_EXTENSIONS = ("py", "js", "mjs", "html", "css", "md", "json", "toml", "txt", "webmanifest", "png", "jpg",
                    "svg")
#: Endings of the source files that docs/architecture.md must name.
SOURCE_EXTENSIONS = (".py", ".js", ".mjs", ".html", ".css", ".webmanifest")
#: Files the build writes into the source tree (git-ignored, so absent from a clean clone).
GENERATED = {"js/shared/contract.js"}
#: Tracked text that may refer to a Markdown section.
TEXT_EXTENSIONS = (".py", ".js", ".mjs", ".md", ".html", ".css", ".toml", ".txt")

_FILE = r"(?:\.?[\w-]+/)*(?:\w[\w.-]*|\.\w[\w.-]*)\.(?:" + "|".join(NAMED_EXTENSIONS) + r")"
_FOLDER = r"(?:\.?[\w-]+/)+"
PATH_TOKEN = re.compile(r"(?<![\w@/.~<>-])(" + _FILE + "|" + _FOLDER + r")(?![\w/<>-])")
CODE_SPAN = re.compile(r"`([^`\s]+)`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|\b(?:src|href)=\"([^\"]+)\"")
SECTION_REFERENCE = re.compile(
    r"(?<![\w/.-])(README(?:\.md)?|(?:[\w.-]+/)*[\w.-]+\.md)(?:'s)?,?\s+\(?\\?\"([^\"\\\n]+)\\?\"")


@pytest.fixture(scope="module")
def tracked():
    """Every file git tracks (or would: new, not ignored), as repo-relative POSIX paths."""
    try:
        listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                                 capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"not a git checkout ({error})")
    return {name for name in listing.decode().split("\0") if name and (ROOT / name).exists()}


def named_paths(text):
    """The path tokens of a Markdown text (see the module's docstring)."""
    names = set(PATH_TOKEN.findall(text))
    names |= {span for span in CODE_SPAN.findall(text)
              if "/" in span and "<" not in span and not span.startswith(("http:", "https:"))}
    return names


def source_files(tracked):
    def is_source(name):
        if not name.endswith(SOURCE_EXTENSIONS):
            return False
        if name.startswith("tests/"):
            base = name.rsplit("/", 1)[-1]
            return not (name.startswith("tests/fixtures/") or base.startswith("test_") or base.endswith(".test.js")
                        or base == "__init__.py")
        return True

    return {name for name in tracked if is_source(name)}


def folders_of(tracked):
    folders = {name.rsplit("/", 1)[0] + "/" for name in tracked if "/" in name}
    return {folder for folder in folders if not folder.startswith("tests/fixtures/") or folder == "tests/fixtures/"}


def test_every_path_the_architecture_names_exists(tracked):
    files = tracked | GENERATED
    basenames = {name.rsplit("/", 1)[-1] for name in files}
    folders = {name[:i + 1] for name in tracked for i, char in enumerate(name) if char == "/"}
    extra = []
    for name in sorted(named_paths(ARCHITECTURE.read_text())):
        if name.startswith("dist/"):
            continue  # build output
        if name.endswith("/"):
            exists = name in folders
        elif "/" in name:
            exists = name in files or f"{name}/" in folders  # `py/peel`: a folder too
        else:
            exists = name in basenames
        if not exists:
            extra.append(name)
    assert not extra, (
        "docs/architecture.md names paths that do not exist (renamed or removed? fix their names there): "
        + ", ".join(extra))


def test_generated_files_are_ignored_by_git():
    for name in sorted(GENERATED):
        ignored = subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT).returncode == 0
        assert ignored, f"{name} is listed as generated but git does not ignore it"


def test_every_source_file_and_folder_is_in_the_architecture(tracked):
    named = named_paths(ARCHITECTURE.read_text())
    missing = sorted(source_files(tracked) - named)
    unnamed = sorted(folder for folder in folders_of(tracked)
                     if folder not in named and not any(path.startswith(folder) for path in named))
    assert not (missing or unnamed), (
        "docs/architecture.md does not name these source files (add each, by its full path, to its "
        "folder's table with one line on what it is): " + (", ".join(missing) or "none")
        + "; nor these folders: " + (", ".join(unnamed) or "none"))


def test_the_source_file_set_is_what_the_docstring_says(tracked):
    sources = source_files(tracked)
    assert {"build.py", "sw.js", "index.html", "css/app.css", "py/peel/bridge.py", "js/page/main.js",
            "buildtools/pyodide_run.mjs", "tests/browser/helpers.py"} <= sources
    assert not {name for name in sources if name.rsplit("/", 1)[-1].startswith("test_")}
    assert not {name for name in sources if name.startswith("tests/fixtures/")}


def test_the_path_tokens_are_found_as_the_docstring_says():
    text = ("`js/page/main.js` and kept.py, the folder js/worker/, `.ci/run`, dist/build.json; "
            "not -nobg.png, 1/100 px, COOP/COEP, py/peel/models/<name>.py or tests/unit/test_<module>.py")
    assert named_paths(text) == {"js/page/main.js", "kept.py", "js/worker/", ".ci/run", "dist/build.json"}


def markdown_files():
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def headings(path):
    """The headings of a Markdown file, without their markup, outside fenced code."""
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.S | re.M)
    return [re.sub(r"[`*_]", "", line.lstrip("#").strip()) for line in text.splitlines() if re.match(r"#{1,6} ", line)]


def anchors(path):
    """GitHub's anchors for a file's headings (lower case, punctuation dropped, spaces to dashes)."""
    seen = {}
    out = set()
    for heading in headings(path):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        out.add(slug if count == 0 else f"{slug}-{count}")
    return out


@pytest.mark.parametrize("path", markdown_files(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_relative_links_point_to_existing_files(path):
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.S | re.M)
    broken = []
    for match in LINK.finditer(text):
        target = match.group(1) or match.group(2)
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue  # https:, mailto:: not a file of ours
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists() or ROOT not in [linked, *linked.parents]:
            broken.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{path.relative_to(ROOT)} links to: " + ", ".join(broken)


def test_section_references_name_existing_headings(tracked):
    broken = []
    for name in sorted(tracked):
        if not name.endswith(TEXT_EXTENSIONS) or name.startswith("tests/fixtures/") or name == "tests/unit/test_docs.py":
            continue
        for match in SECTION_REFERENCE.finditer((ROOT / name).read_text(errors="replace")):
            document, section = match.groups()
            target = ROOT / ("README.md" if document == "README" else document)
            if not target.is_file():
                broken.append(f'{name}: {document}, "{section}" (no such file)')
            elif not any(heading.lower().startswith(section.lower()) for heading in headings(target)):
                broken.append(f'{name}: {document}, "{section}" (no such heading)')
    assert not broken, "references to Markdown sections that do not exist: " + "; ".join(broken)
