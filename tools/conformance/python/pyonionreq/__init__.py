"""Murmur's stand-in for the `pyonionreq` package, which Session's storage-server test suite
imports (`from pyonionreq import xed25519`) without using it in the tests Murmur runs."""
