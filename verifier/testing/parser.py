"""How a captured build's command-line parser answers an argv, reproduced from its help.

Mirrors llama.cpp's ``common/arg.cpp``: arguments are taken in order; ``--a_b`` means
``--a-b``; an unknown name fails with ``error: invalid argument: X``; a removed-argument
stub, a missing value, a non-integer ``N`` or an unlisted ``--spec-type`` value fails with
``error while handling argument "X": ...`` and that argument's usage block. An argv the
parser accepts goes on to load the model, which here never exists: "failed to load model".
Without ``-m`` a real build starts a router server and listens; the fake does not serve, it
says so and exits 1. Other values are taken as given (the real parser checks a few more,
e.g. ``--flash-attn``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

from verifier.helptext import HelpEntry, parse_help
from verifier.oracle.argv import arity, canonical, input_kind

_INT = re.compile(r"^\s*[+-]?\d")


@dataclass(frozen=True)
class Answer:
    stdout: str
    stderr: str
    exit_code: int


@dataclass(frozen=True)
class _Option:
    entry: HelpEntry
    usage: str
    """The entry as the help prints it (``common_arg::to_string``), for error messages."""

    @property
    def values(self) -> int:
        return arity(self.entry)


def _blocks(text: str) -> list[str]:
    """The help cut into entries: a line at column 0 starting with ``-`` and its indented lines."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("-") and not line.startswith("-----"):
            current = [line]
            blocks.append(current)
        elif current is not None and line[:1].isspace():
            current.append(line)
        else:
            current = None  # an empty line or a section title ends the entry
    return ["\n".join(b) for b in blocks if b]


def missing_model_output(model: str) -> str:
    """What a real build 11434 logs when ``-m`` names a file that is not there (then it exits 1)."""
    lines = ["I srv  llama_server: initializing ...",
             f"I srv    load_model: loading model '{model}'",
             f"E gguf_init_from_file: failed to open GGUF file '{model}' (No such file or directory)",
             f"E llama_model_load: error loading model: llama_model_loader: failed to load model from {model}",
             "E llama_model_load_from_file_impl: failed to load model",
             f"E cmn  common_init_: failed to load model '{model}'",
             f"E srv    load_model: failed to load model, '{model}'",
             "I srv    operator(): operator(): cleaning up before exit...",
             "E srv  llama_server: exiting due to model loading error"]
    return "".join(f"0.00.{n:03d}.000 {line}\n" for n, line in enumerate(lines))


class FakeParser:
    """One build's parser, from its captured help and version."""

    def __init__(self, help_text: str, version_text: str) -> None:
        self.help_text = help_text
        self.version_text = version_text

    @cached_property
    def options(self) -> dict[str, _Option]:
        found: dict[str, _Option] = {}
        for block in _blocks(self.help_text):
            parsed = parse_help(block).entries
            if not parsed:
                continue
            option = _Option(parsed[0], block)
            for name in option.entry.names:
                known = found.get(name)
                if known is None or (known.entry.removed and not option.entry.removed):
                    found[name] = option
        return found

    def _failed(self, arg: str, option: _Option, why: str) -> Answer:
        return Answer("", f'error while handling argument "{arg}": {why}\n\nusage:\n{option.usage}\n\n\n'
                          "to show complete usage, run with -h\n", 1)

    def answer(self, argv: Sequence[str]) -> Answer:
        model: str | None = None
        i = 0
        while i < len(argv):
            arg = canonical(argv[i])
            option = self.options.get(arg)
            if option is None:
                return Answer("", f"error: invalid argument: {arg}\n", 1)
            if arg in ("-h", "--help", "--usage"):
                return Answer(self.help_text, "", 0)
            if arg == "--version":
                return Answer("", self.version_text, 0)
            values = list(argv[i + 1:i + 1 + option.values])
            i += 1 + len(values)
            if len(values) < option.values:
                return self._failed(arg, option, "expected value for argument")
            if option.entry.hint.strip() == "N" and not _INT.match(values[0]):
                return self._failed(arg, option, "stoi")
            if option.entry.removed:
                return self._failed(arg, option, option.entry.description)
            if "--spec-type" in option.entry.names and option.entry.values:
                if option.entry.hint.startswith("["):  # before b9109: one type, and an older message
                    if values[0] not in option.entry.values:
                        return self._failed(arg, option, "unknown speculative decoding type without draft model")
                else:
                    unknown = [v for v in values[0].split(",") if v not in option.entry.values]
                    if unknown:
                        return self._failed(arg, option, f"unknown speculative type: {unknown[0]}")
            if input_kind(option.entry) == "model":
                model = values[0]
        if model is None:
            return Answer("", "fake llama-server: no -m given; the real build would start a router server and "
                              "listen here, the fake does not serve\n", 1)
        return Answer("", missing_model_output(model), 1)
