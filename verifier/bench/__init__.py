"""``python -m verifier bench``: decode tokens/s of each speculative mode against off, on one binary and model.

``runner`` starts the servers (the seeds' clean methodology), ``results`` holds the data and the
derived figures, ``present`` and ``plot`` format them, ``command`` ties them together for the CLI.
"""
