"""Sphinx configuration of the grpo_nb site (`make docs`, built by tools/build_docs.py into _docs/).

Sphinx with MyST-NB, not nbdev's Quarto (no offline install) nor mkdocs-jupyter: MyST-NB renders the notebooks
as they are stored (no execution: executed copies from outputs/ are used where they exist), and Sphinx's autodoc
writes the API reference from the docstrings of the exported modules, in one build with checked cross-references.
"""
project = "grpo_nb"
author = "grpo_nb developers"
copyright = "2026 onwards, grpo_nb developers"
extensions = ["myst_nb", "sphinx.ext.autodoc"]
html_theme = "furo"
html_title = "grpo_nb"
nb_execution_mode = "off"                   # pages show the outputs a notebook was saved with
nb_render_markdown_format = "gfm"          # markdown outputs (the notebooks' tables) as GitHub-flavoured markdown
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3                    # #section links between pages resolve (and are checked)
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "description"
exclude_patterns = ["_build"]
