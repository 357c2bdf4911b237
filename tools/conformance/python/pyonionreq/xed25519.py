"""XEd25519 is not provided by Murmur's conformance shim: no test it runs calls it."""


def _missing(*args, **kwargs):
    raise NotImplementedError("pyonionreq.xed25519 is not provided by Murmur's conformance shim")


sign = verify = pubkey = _missing
