"""Test support: real servers on 127.0.0.1 that the code under test talks to over HTTP."""
