"""Load a workflow or action YAML file into plain data plus the line of every key.

Parsing only: no rule lives here. Two departures from ``yaml.safe_load``, both because
GitHub reads these files that way: mapping keys stay the strings they are written as
(YAML 1.1 would turn the ``on:`` key into ``True``), and every key and list item keeps
its line so a finding can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import CiError
from verifier.util.files import FileRefused, read_regular

KeyPath = tuple[str | int, ...]
MAX_NODES = 200_000
"""Nodes built per document. Aliases share nodes, so a 405-byte alias bomb names billions;
the budget refuses it after a fixed amount of work (a real workflow has a few thousand)."""
MAX_BYTES = 4 << 20
"""A workflow file larger than this is not read."""


class _Budget:
    def __init__(self, shown: str) -> None:
        self.left = MAX_NODES
        self.shown = shown

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise CiError(f"{self.shown}: refused: the YAML expands to more than {MAX_NODES} nodes (an alias bomb?)")


@dataclass(frozen=True)
class YamlDocument:
    """One parsed file: ``data`` as dicts/lists/scalars, ``lines`` maps key paths to 1-based lines."""

    path: Path
    display: str
    """The path as findings show it (relative to the working directory when inside it)."""
    data: Any
    lines: dict[KeyPath, int] = field(repr=False)
    source: tuple[str, ...] = field(repr=False)

    @property
    def kind(self) -> str:
        """``workflow`` (has ``jobs``), ``action`` (has ``runs``) or ``unknown``."""
        if isinstance(self.data, dict) and isinstance(self.data.get("jobs"), dict):
            return "workflow"
        if isinstance(self.data, dict) and isinstance(self.data.get("runs"), dict):
            return "action"
        return "unknown"

    def line(self, *keys: str | int) -> int:
        """Line of the deepest prefix of ``keys`` that exists (1 for the document itself)."""
        for end in range(len(keys), 0, -1):
            found = self.lines.get(tuple(keys[:end]))
            if found is not None:
                return found
        return 1

    def source_line(self, number: int) -> str:
        return self.source[number - 1] if 0 < number <= len(self.source) else ""


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies inside it, with ``/`` separators."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _build(loader: yaml.SafeLoader, node: yaml.Node, at: KeyPath, lines: dict[KeyPath, int],
           budget: _Budget) -> Any:
    budget.spend()
    if isinstance(node, yaml.MappingNode):
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(_build(loader, key_node, at, {}, budget))
            lines[at + (key,)] = key_node.start_mark.line + 1
            mapping[key] = _build(loader, value_node, at + (key,), lines, budget)
        return mapping
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            lines[at + (index,)] = item.start_mark.line + 1
            items.append(_build(loader, item, at + (index,), lines, budget))
        return items
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, path: Path, display: str | None = None) -> YamlDocument:
    """Parse ``text``; a syntax error becomes a :class:`CiError` naming the file and line."""
    shown = display if display is not None else display_path(path)
    loader = yaml.SafeLoader(text)
    lines: dict[KeyPath, int] = {}
    try:
        node = loader.get_single_node()
        data = None if node is None else _build(loader, node, (), lines, _Budget(shown))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise CiError(f"{shown}: unparsable YAML: {where}{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise CiError(f"{shown}: unparsable YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise CiError(f"{shown}: refused: the YAML is nested too deeply (or an alias refers to itself)") from None
    finally:
        loader.dispose()
    return YamlDocument(path, shown, data, lines, tuple(text.splitlines()))


def load_yaml(path: Path) -> YamlDocument:
    """Read and parse one file; unreadable or non-UTF-8 files are a :class:`CiError`."""
    shown = display_path(path)
    try:
        text = read_regular(path, MAX_BYTES).decode("utf-8")
    except FileRefused as exc:
        raise CiError(f"{shown}: {exc}; not a workflow file") from None
    except UnicodeDecodeError:
        raise CiError(f"{shown}: not UTF-8 text") from None
    except OSError as exc:
        raise CiError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    return parse_yaml(text, path, shown)


YAML_SUFFIXES = (".yml", ".yaml")


def _yaml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in YAML_SUFFIXES)


def find_lint_targets(paths: list[Path]) -> list[Path]:
    """The files to lint for each given path (none given: the current directory).

    A repository root (a directory holding ``.github/workflows``) means its workflows and
    its root ``action.yml``; any other directory means the YAML files directly in it.
    """
    targets: list[Path] = []
    for path in paths or [Path(".")]:
        if not path.exists():
            raise CiError(f"{path}: no such file or directory")
        if path.is_file():
            targets.append(path)
            continue
        if not path.is_dir():
            raise CiError(f"{path}: not a regular file or a directory")
        workflows = path / ".github" / "workflows"
        if workflows.is_dir():
            found = _yaml_files(workflows) + [p for p in (path / "action.yml", path / "action.yaml") if p.is_file()]
        else:
            found = _yaml_files(path)
        if not found:
            raise CiError(f"{path}: no workflow files (.yml, .yaml) in it")
        targets += found
    return list(dict.fromkeys(targets))


def load_lint_documents(paths: list[Path]) -> list[YamlDocument]:
    """Parse every target; a file that is neither a workflow nor an action is bad input."""
    docs = []
    for path in find_lint_targets(paths):
        doc = load_yaml(path)
        if doc.kind == "unknown":
            raise CiError(f"{doc.display}: not a workflow (no jobs:) or action metadata (no runs:)")
        docs.append(doc)
    return docs
