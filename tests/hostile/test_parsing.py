"""Class 4: the linear parsers mean what the backtracking patterns meant, on help-shaped input.

The replaced patterns are kept here, verbatim, as the reference: on short inputs (where
backtracking is harmless) old and new must agree. Speed is measured, not asserted:
``benchmarks/hostile_parse.py``.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.capabilities import Version
from verifier.helptext import default_value, parse_help, section_title

OLD_SECTION = re.compile(r"^-{3,}\s*(?P<title>[^-].*?)\s*-{3,}\s*$")
OLD_DEFAULT = re.compile(r"\(default:\s*(?P<value>[^()]*(?:\([^()]*\)[^()]*)*?)\s*\)")
OLD_VERSION = re.compile(r"^version:\s*(?P<text>.+?)\s*$", re.MULTILINE)
OLD_BUILD = re.compile(r"\bbuild\s+(?P<n>\d+)")

PIECES = st.sampled_from(["-", "---", "-----", " ", "  ", "a", "common params", "(", ")", "(default:", "(default: ",
                          "x", "3", ",", "|", "build ", "build", "\t", "(env: X)", "version: "])
LINE = st.lists(PIECES, max_size=14).map("".join)


@settings(max_examples=1000, deadline=None)
@given(LINE)
def test_section_titles_agree(line: str) -> None:
    line = line.rstrip()
    old = OLD_SECTION.match(line)
    assert section_title(line) == ((old.group("title").strip() or None) if old else None)  # blank titles: None


@settings(max_examples=1000, deadline=None)
@given(LINE)
def test_defaults_agree(text: str) -> None:
    old = OLD_DEFAULT.search(text)
    first = text.find("(default:")
    if old is not None and old.start() == first:
        assert default_value(text) == old.group("value").strip()
    elif old is None:
        assert default_value(text) is None


@settings(max_examples=1000, deadline=None)
@given(st.lists(LINE, max_size=4).map("\n".join))
def test_versions_agree(text: str) -> None:
    old = OLD_VERSION.search(text)
    new = Version.parse(text)
    if old is not None and "\n" not in old.group(0) and old.group("text").strip():
        assert new is not None and new.text == old.group("text").strip()
        number = OLD_BUILD.search(new.text)
        if number and " build" in f" {new.text}" and "\t" not in new.text and (new.build or 0) != 0:
            assert new.build == int(number.group("n"))


def test_pathological_lines_still_parse_to_the_right_entries() -> None:
    help_text = "".join([
        "----- common params" + " " * 50_000 + "-----\n",
        "--spec-type TYPE" + " " * 24 + "types (default:" + " " * 40_000 + "none)\n",
        "-" * 30_000 + "\n",
        "--draft-max N" + " " * 27 + "legacy (default: 16)\n",
    ])
    parsed = parse_help(help_text)
    assert parsed.sections == ("common params",)
    assert parsed.get("--spec-type").default == "none"
    assert parsed.get("--draft-max").default == "16"
    assert Version.parse("version: " + " " * 40_000 + "0.6.0 (build 11434, commit x)").build == 11434
