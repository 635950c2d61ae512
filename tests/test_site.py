"""The documentation site builds strictly, highlights the language, and documents the API.

The build runs ``mkdocs build --strict`` (as ``.ci/run`` does) into a temporary directory and
reads the pages it wrote: the scenario language highlighted by dunforce's own Pygments lexer,
the API reference generated from the docstrings, and no mkdocstrings directive left unrendered.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def _extension():
    """The Griffe extension of the API reference, which lives with the docs, not the package."""
    path = ROOT / "docs" / "reference" / "docstrings.py"
    spec = importlib.util.spec_from_file_location("docs_reference_docstrings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_roles_become_inline_code():
    convert = _extension().markdown_docstring
    assert convert("a :class:`Program` and :meth:`Program.step`") == (
        "a `Program` and `Program.step`"
    )
    assert convert("see :class:`~dunforce.templates.TemplateSet`") == "see `TemplateSet`"
    assert convert("no role in ``code``") == "no role in ``code``"


def test_doctests_become_pycon_blocks_and_fences_are_left_alone():
    convert = _extension().markdown_docstring
    text = "Intro.\n\n    >>> 1 + 1\n    2\n\nAfter :func:`f`.\n"
    assert convert(text) == (
        "Intro.\n\n    ```pycon\n    >>> 1 + 1\n    2\n    ```\n\nAfter `f`.\n"
    )
    fenced = "```python\n>>> x = ':class:`A`'\n```"
    assert convert(fenced) == fenced
    assert convert(">>> last") == "```pycon\n>>> last\n```"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},  # the theme's banner is not a warning
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert not re.search(r"^WARNING", done.stderr, re.M), done.stderr[-4000:]
    return out


def page(site: Path, name: str) -> str:
    path = site / name / "index.html" if name else site / "index.html"
    assert path.is_file(), f"{name or 'index'} was not built"
    return path.read_text(encoding="utf-8")


DUNFORCE_BLOCK = re.compile(r'<div class="language-dunforce highlight">(.*?)</div>', re.S)


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


@pytest.mark.slow
def test_key_pages_are_built(site):
    for name in (
        "",
        "getting-started",
        "language",
        "semantics",
        "step-function",
        "policy",
        "legal",
        "recipes",
        "errors",
        "attributes",
        "portfolios",
        "reference/api",
        "reference/kpi",
        "reference/synthetic",
        "reference/plot",
        "reference/distributed",
    ):
        page(site, name)
    assert "Cases, anchors, catch-up and policy" in page(site, "semantics")
    legal = page(site, "legal")
    assert "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000025026176" in legal
    assert "not legal advice" in text_of(legal)
    assert not (site / "reference" / "docstrings.py").exists(), "build code is not published"


@pytest.mark.slow
def test_scenario_code_is_highlighted_by_the_lexer(site):
    for name in ("", "language", "semantics", "policy"):
        markup = page(site, name)
        assert '<span class="kd">profile</span>' in markup, name
        assert '<span class="nb">sms</span>' in markup, name  # a channel
    language = page(site, "language")
    assert '<span class="no">D</span><span class="o">+</span><span class="mi">2</span>' in language
    assert '<span class="kt">€</span>' in language
    blocks = [
        block
        for path in site.rglob("*.html")
        for block in DUNFORCE_BLOCK.findall(path.read_text(encoding="utf-8"))
    ]
    assert len(blocks) >= 40, "the scenario examples are highlighted as dunforce"
    assert not [b for b in blocks if '<span class="err">' in b], "the lexer met an error"


@pytest.mark.slow
def test_the_api_reference_documents_the_public_names(site):
    api = page(site, "reference/api")
    for name in (
        "compile",
        "load",
        "Program",
        "Program.step",
        "Program.explain",
        "Program.run",
        "Program.render",
        "AccountState",
        "AccountState.record",
        "Charge",
        "Payment",
        "Action",
        "Portfolio",
        "RunResult",
        "simulate",
        "compare",
        "DunforceError",
        "DslError",
        "StateError",
    ):
        assert f'id="dunforce.{name}"' in api, name
    assert "pure" in text_of(api)  # Program.step's docstring
    assert 'id="dunforce.batch.distributed.run_dask"' in page(site, "reference/distributed")
    assert 'id="dunforce.kpi.kpis"' in page(site, "reference/kpi")
    assert 'id="dunforce.synthetic.synthetic_portfolio"' in page(site, "reference/synthetic")
    assert 'id="dunforce.plot.timeline"' in page(site, "reference/plot")


@pytest.mark.slow
def test_no_directive_or_role_is_left_unrendered(site):
    for path in site.rglob("*.html"):
        text = text_of(path.read_text(encoding="utf-8"))
        assert not re.search(r"^\s*::: ", text, re.M), f"{path}: an unrendered ::: directive"
    for path in (site / "reference").rglob("*.html"):
        text = text_of(path.read_text(encoding="utf-8"))
        assert not re.search(r":(class|meth|func|mod|data):`?\w", text), path
        # a doctest is a highlighted example, not three nested quotes
        assert "<blockquote>" not in path.read_text(encoding="utf-8"), path
    assert '<span class="gp">&gt;&gt;&gt; </span>' in page(site, "reference/api")
