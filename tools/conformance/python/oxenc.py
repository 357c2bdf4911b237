"""Murmur's stand-in for the `oxenc` Python module: bencode (`bt_serialize`, `bt_deserialize`),
which Session's storage-server test suite imports. Written for the conformance shim; requests
with bencoded bodies are OMQ-only and skipped by the `oxenmq` stand-in.

Dictionaries are written with sorted byte-string keys, integers as `i<n>e`, strings and bytes
as `<length>:<bytes>`, lists as `l...e`. Reading gives `bytes` for strings and dict keys.
"""

__all__ = ["bt_serialize", "bt_deserialize"]


def bt_serialize(value):
    out = bytearray()
    _write(value, out)
    return bytes(out)


def _write(value, out):
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        out += b"i%de" % value
    elif isinstance(value, str):
        _write(value.encode(), out)
    elif isinstance(value, (bytes, bytearray)):
        out += b"%d:" % len(value)
        out += value
    elif isinstance(value, (list, tuple)):
        out += b"l"
        for item in value:
            _write(item, out)
        out += b"e"
    elif isinstance(value, dict):
        out += b"d"
        items = [(k.encode() if isinstance(k, str) else bytes(k), v) for k, v in value.items()]
        for key, item in sorted(items):
            _write(key, out)
            _write(item, out)
        out += b"e"
    else:
        raise TypeError(f"cannot bencode a {type(value).__name__}")


def bt_deserialize(data):
    data = bytes(data)
    value, end = _read(data, 0)
    if end != len(data):
        raise ValueError(f"bencode: {len(data) - end} bytes after the value")
    return value


def _read(data, i):
    if i >= len(data):
        raise ValueError("bencode: truncated")
    c = data[i : i + 1]
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1 : end]), end + 1
    if c == b"l":
        i += 1
        items = []
        while data[i : i + 1] != b"e":
            item, i = _read(data, i)
            items.append(item)
        return items, i + 1
    if c == b"d":
        i += 1
        result = {}
        while data[i : i + 1] != b"e":
            key, i = _read(data, i)
            if not isinstance(key, bytes):
                raise ValueError("bencode: a dict key must be a string")
            result[key], i = _read(data, i)
        return result, i + 1
    if c.isdigit():
        colon = data.index(b":", i)
        length = int(data[i:colon])
        start = colon + 1
        if start + length > len(data):
            raise ValueError("bencode: truncated string")
        return data[start : start + length], start + length
    raise ValueError(f"bencode: unexpected byte {c!r} at {i}")
