"""The documentation builds, offline and without a warning, with its one documented command.

``docs/index.md`` documents the command; this test reads it from there (so the two cannot
drift apart), runs it with warnings as errors into a temporary folder, and checks the
pages. It also runs the notebook-style example's code (``docs/make_example.py``) to make
sure the committed page still shows code that works.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys

import pytest
from conftest import REPO

DOCS = REPO / "docs"
MISSING = [m for m in ("sphinx", "myst_parser", "numpydoc") if importlib.util.find_spec(m) is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f"documentation tools not installed ({', '.join(MISSING)}): pip install '.[docs]'",
)

PAGES = [
    "index.html",
    "getting-started.html",
    "example.html",
    "api.html",
    *(
        f"methods/{name}.html"
        for name in (
            "index",
            "signals",
            "splits",
            "pacing",
            "plan",
            "strides",
            "intervals",
            "kick",
            "batch",
        )
    ),
]


def documented_command() -> list[str]:
    """The build command exactly as docs/index.md shows it."""
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("python -m sphinx ")]
    assert len(lines) == 1, "docs/index.md should show one sphinx build command"
    return shlex.split(lines[0])


def test_the_documented_command_is_strict_and_offline():
    cmd = documented_command()
    assert "-W" in cmd  # warnings are errors
    assert cmd[-2:] == ["docs", "docs/_build/html"]
    conf = (DOCS / "conf.py").read_text(encoding="utf-8")
    assert "sphinx.ext.intersphinx" not in conf  # no network at build time


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    cmd = documented_command()
    cmd = [sys.executable, *cmd[1:-1], str(out)]  # this interpreter, a fresh folder
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"docs build failed:\n{proc.stdout[-3000:]}\n{proc.stderr}"
    assert "WARNING" not in proc.stderr, proc.stderr
    return out


def test_every_page_is_built(built):
    missing = [page for page in PAGES if not (built / page).is_file()]
    assert not missing, f"pages not built: {missing}"
    assert (built / "_images" / "example_speed.png").is_file()


def test_the_api_reference_is_generated_from_the_docstrings(built):
    html = (built / "api.html").read_text(encoding="utf-8")
    import kickanalysis

    public = [n for n in kickanalysis.__all__ if n != "__version__"]
    # every public name has an entry (an anchor named after it), not just a mention
    missing = [n for n in public if f'id="kickanalysis.{n}"' not in html]
    assert not missing, f"public names without an API entry: {missing}"
    for name in ("detect_kick", "analyze_many", "expand_sources", "smooth_speed"):
        assert name in html
    # a sentence from a docstring made it through numpydoc
    assert "Find the final kick of a race" in html
    assert "Minetti" in html


def test_methods_pages_cite_their_sources(built):
    cites = {
        "signals": ["10.1152/japplphysiol.00262.2002", "Cleveland", "Hampel"],
        "pacing": ["10.2165/00007256-200838030-00004", "Theil"],
        "kick": ["Hinkley", "Page", "10.1123/ijspp.1.3.233"],
        "plan": ["Minetti"],
    }
    for page, needles in cites.items():
        html = (built / "methods" / f"{page}.html").read_text(encoding="utf-8")
        for needle in needles:
            assert needle in html, f"{needle!r} not on methods/{page}"


def test_the_example_code_still_runs(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib", reason="the example plots (plot extra)")
    spec = importlib.util.spec_from_file_location("make_example", DOCS / "make_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "ROOT", REPO)
    page, figure = tmp_path / "example.md", tmp_path / "example_speed.png"
    module.main(page=page, figure=figure)
    assert figure.stat().st_size > 1000

    def code(text: str) -> list[str]:
        return re.findall(r"```python\n(.*?)```", text, flags=re.S)

    committed = (DOCS / "example.md").read_text(encoding="utf-8")
    fresh = page.read_text(encoding="utf-8")
    # the committed page shows the script's current code (outputs may drift a little
    # with the analyses: rerun `python docs/make_example.py` to refresh them)
    assert code(fresh) == code(committed)
    assert "Kick(from" in fresh
