"""Murmur's stand-in for the `oxenmq` Python module, so that Session's storage-server test suite
(`network-tests/`) talks to Murmur nodes unmodified.

Session's nodes take `storage.<method>` requests over OxenMQ; Murmur's take the same methods as
`POST /storage_rpc/v1` bodies. This module carries each OMQ request over HTTP(S), as Session's
own server maps its two transports onto one request handler (session-storage-server
`oxenss/server/omq.cpp`, `OMQ::handle_client_request`):

- `storage.X` with one JSON part P is sent as `{"method": "X", "params": P}` to the node the
  connection names, with P copied byte for byte;
- the answer comes back as OMQ parts: HTTP 200 gives `[body]`, any other status
  `[b"<status>", body]`;
- `rpc.get_service_nodes` (an oxend call) goes to the devnet's seed endpoint, and each node's
  `storage_lmq_port` is its storage port (where Murmur serves what Session serves over OMQ);
- swarm lists in answers (`get_swarm`, 421 bodies) get `port_omq` = the storage port, which
  Murmur itself leaves out (it serves no OMQ or QUIC port);
- the requests of one connection are carried one after the other, in the order they were
  made, as OMQ delivers them; requests on different connections run concurrently;
- what only OxenMQ can do (bencoded request bodies, `monitor.*` subscriptions, server push
  categories) skips the test that asks for it, naming why.

The devnet is read from the file named by `MURMUR_DEVNET_JSON` (its `devnet.json`). Nodes are
reached over the scheme of their `url` there; an address that names no devnet node is tried
over https, then http. https is used without certificate checks (devnet nodes have
self-signed certificates), through an SSL context given to each connection, never a
process-wide switch.
"""

import datetime
import http.client
import json
import os
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["Address", "AuthLevel", "OxenMQ", "ShimError"]

DEFAULT_TIMEOUT_S = 30.0
RPC_PATH = "/storage_rpc/v1"


class ShimError(Exception):
    """A request this shim cannot carry (unknown endpoint, no devnet, unreachable node)."""


def _skip(reason):
    import pytest

    pytest.skip(f"OMQ-only: {reason}")


class AuthLevel:
    none = 0
    basic = 1
    admin = 2


class Address:
    """An OMQ address: `Address("curve://host:port/pubkey")` or `Address(host, port, pubkey)`."""

    def __init__(self, host, port=None, pubkey=None):
        if port is None:
            text = str(host)
            scheme, sep, rest = text.partition("://")
            if not sep:
                rest = text
            hostport, _, key = rest.partition("/")
            name, _, port_text = hostport.rpartition(":")
            self.host = name
            self.port = int(port_text)
            self.pubkey = bytes.fromhex(key) if key else b""
        else:
            self.host = str(host)
            self.port = int(port)
            self.pubkey = pubkey if isinstance(pubkey, bytes) else bytes.fromhex(pubkey or "")

    def __repr__(self):
        return f"Address({self.host}:{self.port}/{self.pubkey.hex()})"


class _Connection:
    """One OMQ connection: its requests are sent one after the other, each once the previous
    one was answered, as OMQ delivers a connection's messages in order (the suite relies on
    it: `store_n` and `big_store` submit several stores at once and expect the node to keep
    them in that order)."""

    def __init__(self, address):
        self.address = address
        self.queue = ThreadPoolExecutor(max_workers=1)

    def __repr__(self):
        return f"<connection to {self.address!r}>"


class _Future:
    def __init__(self, future):
        self._future = future

    def get(self):
        return self._future.result()


def _parts(data):
    if data is None:
        return []
    if isinstance(data, (bytes, bytearray, str)):
        data = [data]
    return [part.encode() if isinstance(part, str) else bytes(part) for part in data]


def _with_omq_ports(answer):
    """Swarm lists (`get_swarm`, 421 bodies) with `port_omq` filled in as the storage port.

    Murmur advertises no OMQ/QUIC port (it serves neither); the suite addresses nodes by
    `port_omq`, and this shim is what carries its OMQ requests to the storage port. Other answers
    pass byte for byte.
    """
    if b'"snodes"' not in answer:
        return answer
    try:
        value = json.loads(answer)
    except ValueError:
        return answer

    def fill(node):
        if isinstance(node, dict):
            if "pubkey_x25519" in node and "port_https" in node and "port_omq" not in node:
                node["port_omq"] = node["port_https"]
            for child in node.values():
                fill(child)
        elif isinstance(node, list):
            for child in node:
                fill(child)

    fill(value)
    return json.dumps(value).encode()


def _seconds(timeout):
    if timeout is None:
        return DEFAULT_TIMEOUT_S
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    return float(timeout)


def _insecure_context():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class _Devnet:
    """The nodes and seed of the devnet named by `MURMUR_DEVNET_JSON`."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            devnet = json.load(f)
        self.seed_url = devnet["seed"]["url"]
        self.by_x25519 = {}
        self.by_hostport = {}
        for node in devnet["nodes"]:
            scheme = node.get("url", "http://").split("://", 1)[0]
            target = (scheme, node["ip"], int(node["storagePort"]))
            self.by_x25519[node["x25519"].lower()] = target
            self.by_hostport[(node["ip"], int(node["storagePort"]))] = target


class OxenMQ:
    """The subset of `oxenmq.OxenMQ` the suite uses, over Murmur's HTTP(S) storage RPC."""

    def __init__(self, *args, **kwargs):
        path = os.environ.get("MURMUR_DEVNET_JSON")
        if not path:
            raise ShimError("MURMUR_DEVNET_JSON is not set: run the suite through the conformance command")
        self._devnet = _Devnet(path)
        self.max_message_size = 10 * 1024 * 1024
        self._pool = ThreadPoolExecutor(max_workers=32)
        self._context = _insecure_context()
        self._schemes = {}
        self._lock = threading.Lock()

    def start(self):
        pass

    def add_category(self, *args, **kwargs):
        _skip("server-pushed commands (an OMQ category on the client)")

    def connect_remote(self, address, on_success=None, on_failure=None, timeout=None, **kwargs):
        conn = _Connection(address)
        if on_success is not None:
            on_success(conn)
        return conn

    def request_future(self, conn, endpoint, data=None, request_timeout=None, **kwargs):
        parts = _parts(data)
        timeout = _seconds(request_timeout)
        category, _, method = endpoint.partition(".")
        if category == "monitor":
            _skip(f"`{endpoint}` subscriptions")
        if endpoint == "rpc.get_service_nodes":
            return _Future(self._pool.submit(self._service_nodes, parts, timeout))
        if category != "storage" or not method:
            raise ShimError(f"no Murmur mapping for the OMQ endpoint `{endpoint}`")
        if len(parts) > 1:
            raise ShimError(f"`{endpoint}`: expected one request part, got {len(parts)}")
        params = parts[0] if parts else b"{}"
        if not params.lstrip().startswith(b"{"):
            _skip(f"`{endpoint}` with a bencoded body")
        body = b'{"method":' + json.dumps(method).encode() + b',"params":' + params + b"}"
        return _Future(conn.queue.submit(self._storage_rpc, conn.address, body, timeout))

    # -- transport ------------------------------------------------------------------------

    def _target(self, address):
        known = self._devnet.by_x25519.get(address.pubkey.hex())
        if known is None:
            known = self._devnet.by_hostport.get((address.host, address.port))
        if known is not None:
            return known
        return (None, address.host, address.port)

    def _post(self, scheme, host, port, path, body, timeout):
        if scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=self._context)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def _post_any(self, scheme, host, port, path, body, timeout):
        if scheme is not None:
            return self._post(scheme, host, port, path, body, timeout)
        with self._lock:
            remembered = self._schemes.get((host, port))
        if remembered is not None:
            return self._post(remembered, host, port, path, body, timeout)
        try:
            result = self._post("https", host, port, path, body, timeout)
            chosen = "https"
        except (ssl.SSLError, http.client.BadStatusLine, ConnectionResetError):
            result = self._post("http", host, port, path, body, timeout)
            chosen = "http"
        with self._lock:
            self._schemes[(host, port)] = chosen
        return result

    def _storage_rpc(self, address, body, timeout):
        scheme, host, port = self._target(address)
        status, answer = self._post_any(scheme, host, port, RPC_PATH, body, timeout)
        answer = _with_omq_ports(answer)
        if status == 200:
            return [answer]
        return [str(status).encode(), answer]

    def _service_nodes(self, parts, timeout):
        params = json.loads(parts[0]) if parts and parts[0] else {}
        request = {"jsonrpc": "2.0", "id": 0, "method": "get_service_nodes", "params": params}
        scheme, rest = self._devnet.seed_url.split("://", 1)
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.rpartition(":")
        status, answer = self._post(
            scheme, host, int(port), "/" + path, json.dumps(request).encode(), timeout
        )
        if status != 200:
            return [str(status).encode(), answer]
        reply = json.loads(answer)
        if "error" in reply:
            return [b"400", json.dumps(reply["error"]).encode()]
        result = reply["result"]
        for state in result.get("service_node_states", []):
            # Murmur has no OMQ port (it answers 0, as it serves no QUIC/OMQ): the suite's OMQ
            # requests go to the storage port, over this shim.
            if "storage_port" in state and not state.get("storage_lmq_port"):
                state["storage_lmq_port"] = state["storage_port"]
        return [b"200", json.dumps(result).encode()]
