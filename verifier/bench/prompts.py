"""The benchmark's prompts: a fixed set shipped with the package, or a file of the same shape.

Shape (JSON): ``{"warmup": [str, ...], "prompts": [{"name": str, "text": str}, ...]}``. The warm-ups
must share no text with the measured prompts: each measured prompt is generated once per server
lifetime, so the ngram-mod pool is realistically filled but never holds the output being measured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from verifier.errors import VerifierError

MAX_FILE_BYTES = 1 << 20


@dataclass(frozen=True)
class Prompt:
    name: str
    text: str


@dataclass(frozen=True)
class PromptSet:
    warmup: tuple[str, ...]
    prompts: tuple[Prompt, ...]
    source: str
    """Where it came from: ``shipped`` or the file's path, for the report."""

    def first(self, count: int | None) -> PromptSet:
        """The first ``count`` measured prompts (all when None)."""
        if count is None:
            return self
        if not 1 <= count <= len(self.prompts):
            raise VerifierError(f"--prompt-count must be between 1 and {len(self.prompts)} for {self.source}")
        return PromptSet(self.warmup, self.prompts[:count], self.source)


def _fail(source: str, why: str) -> VerifierError:
    return VerifierError(f"{source}: not a valid prompt set: {why}")


def parse(data: object, source: str) -> PromptSet:
    """Validate decoded JSON into a ``PromptSet``; every problem names the first offending field."""
    if not isinstance(data, dict):
        raise _fail(source, "the top level must be a JSON object")
    warmup = data.get("warmup", [])
    if not isinstance(warmup, list) or not all(isinstance(w, str) and w.strip() for w in warmup):
        raise _fail(source, '"warmup" must be a list of non-empty strings')
    items = data.get("prompts")
    if not isinstance(items, list) or not items:
        raise _fail(source, '"prompts" must be a non-empty list')
    prompts: list[Prompt] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise _fail(source, f"prompts[{i}] must be an object with name and text")
        name, text = item.get("name"), item.get("text")
        if not isinstance(name, str) or not name.strip() or not name.isprintable():
            raise _fail(source, f"prompts[{i}].name must be a non-empty printable string")
        if not isinstance(text, str) or not text.strip():
            raise _fail(source, f"prompts[{i}].text must be a non-empty string")
        if any(p.name == name for p in prompts):
            raise _fail(source, f"prompts[{i}].name {name!r} is used twice")
        if any(text.strip() == w.strip() for w in warmup):
            raise _fail(source, f"prompts[{i}] ({name}) is also a warm-up; a measured prompt must be new to the server")
        prompts.append(Prompt(name.strip(), text))
    return PromptSet(tuple(warmup), tuple(prompts), source)


def shipped() -> PromptSet:
    text = resources.files("verifier.bench").joinpath("prompts.json").read_text(encoding="utf-8")
    return parse(json.loads(text), "shipped")


def load(path: Path, shown: str | None = None) -> PromptSet:
    """A prompt set from a file; unreadable, oversized, non-JSON or wrongly shaped files raise ``VerifierError``.

    ``shown``: the path as the user typed it, for messages.
    """
    name = shown or str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _fail(name, f"larger than {MAX_FILE_BYTES >> 10} KiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise VerifierError(f"{name}: cannot read the prompt set: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _fail(name, f"not UTF-8 JSON ({exc})") from None
    return parse(data, name)
