"""Release gating: find a llama.cpp release's prebuilt for this host, download it, verify it.

One module per concern: ``assets`` (names and host selection), ``api`` (GitHub through
PyGithub), ``retry`` (backoff and rate limits), ``download``, ``extract``, ``cache``,
``gate`` (orchestration into a core :class:`~verifier.report.Report`), ``present``
(listing and per-asset tables) and ``command`` (the CLI glue). Importing this package is
cheap: PyGithub and requests load only when a release is actually fetched.
"""
