"""CI toolkit for the GitHub Actions workflows: ``python -m ci pr-matrix | lint-workflows | junit-collate``.

Submodules are imported by the command that needs them, so ``pr-matrix`` does not need
PyYAML and ``lint-workflows`` does not need PyGithub.
"""
