"""The compatibility oracle: any argv proven (``--accepts``), the flag chart (``history``), ``bisect``.

Built on the same parser and probe as the checks; the captured help of real builds ships in
:mod:`verifier.oracle.corpus` so hints and test fakes work without any binary at hand.
"""
