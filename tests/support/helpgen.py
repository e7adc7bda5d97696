"""Build --help texts in llama-server's real layout, for capability combinations in tests."""

from __future__ import annotations

from typing import Iterable

from verifier import Capabilities

PAD = " " * 40
REMOVED = "the argument has been removed. use something else"


def help_line(head: str, description: str) -> str:
    if len(head) <= 37:
        return head.ljust(40) + description
    return f"{head}\n{PAD}{description}"


def make_help(*, spec_types: Iterable[str] | None = (), real: Iterable[str] = (), stubs: Iterable[str] = (),
              bracket: bool = False) -> str:
    """``spec_types=None`` leaves ``--spec-type`` out; ``bracket`` prints the pre-b9109 ``[a|b]`` form."""
    lines = ["----- speculative params -----", ""]
    if spec_types is not None:
        types = list(spec_types) or ["none"]
        hint = f"[{'|'.join(types)}]" if bracket else ",".join(types)
        lines.append(help_line(f"--spec-type {hint}", "type of speculative decoding to use (default: none)"))
    lines += [help_line(f"{flag} N", "a real knob (default: 1)") for flag in real]
    lines += [help_line(f"{flag} N", REMOVED) for flag in stubs]
    return "\n".join(lines) + "\n"


def make_caps(**kwargs: object) -> Capabilities:
    return Capabilities.from_help(make_help(**kwargs))  # type: ignore[arg-type]
