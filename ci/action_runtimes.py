"""Which Node.js runtime each major of the common actions runs on: an offline table.

GitHub removed Node 20 (and earlier Node 12 and 16) from its hosted runners on 2026-09-16,
so an action whose ``runs.using`` is ``node20`` no longer runs there. Pins are full SHAs,
which cannot be resolved offline, so the lint reads the major from the pin's version
comment (``# v4.3.1``) and looks it up here. Each entry was read from the ``action.yml``
at the first tag of that major; update it when a new major ships (Dependabot moves the
pins, this table only has to know the majors that are out of date).
"""

from __future__ import annotations

import re

REMOVED_RUNTIMES = frozenset({"node12", "node16", "node20"})
REMOVED_ON = "2026-09-16"

# action -> {major: runs.using}; majors past the last entry are assumed current.
RUNTIMES: dict[str, dict[int, str]] = {
    "actions/checkout": {2: "node12", 3: "node16", 4: "node20", 5: "node24", 6: "node24", 7: "node24"},
    "actions/setup-python": {1: "node12", 2: "node12", 3: "node16", 4: "node16", 5: "node20", 6: "node24",
                             7: "node24"},
    "actions/upload-artifact": {2: "node12", 3: "node16", 4: "node20", 5: "node20", 6: "node24", 7: "node24"},
    "actions/download-artifact": {2: "node12", 3: "node16", 4: "node20", 5: "node20", 6: "node20", 7: "node24",
                                  8: "node24"},
    "astral-sh/setup-uv": {1: "node20", 2: "node20", 3: "node20", 4: "node20", 5: "node20", 6: "node20",
                           7: "node24", 8: "node24", 9: "node24", 10: "node24"},
}

MAJOR = re.compile(r"\bv?(\d+)(?:\.\d+)*\b")


def major_of(version: str) -> int | None:
    """``v4.3.1``, ``v4``, ``4.3`` -> 4; None when there is no version number."""
    match = MAJOR.search(version)
    return int(match.group(1)) if match else None


def removed_runtime(action: str, version: str) -> str | None:
    """The removed Node runtime ``action`` at ``version`` runs on, or None (current or unknown)."""
    majors = RUNTIMES.get(action.lower())
    major = major_of(version)
    if not majors or major is None:
        return None
    runtime = majors.get(major)
    return runtime if runtime in REMOVED_RUNTIMES else None


def first_current_major(action: str) -> int | None:
    """The first major of ``action`` that runs on a runtime GitHub still ships."""
    majors = RUNTIMES.get(action.lower(), {})
    current = [m for m, runtime in majors.items() if runtime not in REMOVED_RUNTIMES]
    return min(current) if current else None
