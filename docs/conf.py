"""Sphinx configuration of the kickanalysis documentation.

Build (from the repository root, offline, warnings are errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import os
import sys

# Build from a checkout even when the package is not installed (it is, in CI).
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "src")))

import kickanalysis

project = "kickanalysis"
author = "kickanalysis developers"
copyright = "kickanalysis developers"
version = release = kickanalysis.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "README.md", "**/.ipynb_checkpoints"]

# MyST: $...$ maths, ::: fences, definition lists; heading anchors for in-page links.
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# autodoc: signatures as written, type hints in the signature only.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autodoc_default_options = {"undoc-members": False}

# numpydoc renders the docstrings' sections; class members are listed explicitly in
# api.rst, not as autosummary tables (which would need stub pages).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# No network at build time: no intersphinx, MathJax from its CDN is loaded by the
# reader's browser only.
html_theme = "alabaster"
html_title = f"kickanalysis {release}"
html_static_path = ["_static"]
html_theme_options = {
    "description": "GPS-watch recordings into pandas, and what matters in a run",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "240px",
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
