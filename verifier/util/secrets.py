"""Keep tokens away from the programs this tool runs, and out of everything it prints.

A binary under test runs as the same user as the tool. Removing ``GITHUB_TOKEN`` from
``os.environ`` is not enough: ``/proc/<pid>/environ`` of the tool still shows the
environment it was started with, and any process of the same user can read it. So:

- children never get a token variable (:func:`verifier.util.process.child_env`);
- on Linux, a process that was started with a token marks itself non-dumpable
  (``prctl(PR_SET_DUMPABLE, 0)``): its ``/proc/<pid>/environ``, ``mem`` and ``cmdline``
  become readable by root only, and it cannot be ptrace-attached. The flag is reset on
  ``execve`` in the children, which hold no token. (Cost: no core dumps of the tool.)
- printed text has every token value replaced by ``***`` (:mod:`verifier.util.streams`).

What this cannot protect is a process the tool does not own: a shell that exported the
token before starting the tool. Give the token only to the step that downloads, and
verify in a step that never had it (docs/reliability.md).
"""

from __future__ import annotations

import os
import sys

from verifier.util.linux import PR_SET_DUMPABLE, prctl

TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "GH_ENTERPRISE_TOKEN",
                   "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
"""Environment variables that hold a credential."""
_protected = False


def token_values() -> list[str]:
    """The credentials in this process's environment, longest first (for redaction)."""
    found = {os.environ.get(name, "").strip() for name in TOKEN_VARIABLES}
    return sorted((v for v in found if len(v) >= 4), key=len, reverse=True)


def _started_with_token() -> bool:
    """Whether the environment this process was started with (what /proc shows) holds a token."""
    if any(os.environ.get(name) for name in TOKEN_VARIABLES):
        return True
    try:
        with open("/proc/self/environ", "rb") as f:
            initial = f.read()
    except OSError:
        return False
    return any(item.split(b"=", 1)[0].decode("ascii", "replace") in TOKEN_VARIABLES
               for item in initial.split(b"\0") if b"=" in item)


def protect_process() -> bool:
    """Linux: make this process non-dumpable if it holds a token; True when protected."""
    global _protected
    if _protected or not sys.platform.startswith("linux"):
        return _protected
    if not _started_with_token():
        return False
    _protected = prctl(PR_SET_DUMPABLE, 0)
    return _protected
