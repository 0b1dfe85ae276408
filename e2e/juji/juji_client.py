"""A small Juji client, written from the Juji skill's own description of its wire
(register, then /ws?agent_id&token&ts&sig, the {agent_id, u_id, params:{action,
params}} envelope, pushes, REST), not from Parley's code. Only Debian's
python3-websocket, python3-nacl and python3-requests.

Against a Parley hub, REST writes also need a Parley bearer token: Parley does
not trust an agent named in a body (docs/juji-compat.md). `parley_token` gets
one with proof of the key, as Parley's own clients do.
"""

import json
import struct
import time
import uuid

import requests
import websocket
from nacl.signing import SigningKey


class JujiError(Exception):
    pass


class Closed(Exception):
    """The server closed the connection; `code` is its close code."""

    def __init__(self, code):
        super().__init__(f"closed with {code}")
        self.code = code


class JujiClient:
    def __init__(self, base_url, signing_key=None, timeout=20):
        self.base = base_url.rstrip("/")
        self.key = signing_key or SigningKey.generate()
        self.public_key = self.key.verify_key.encode().hex()
        self.timeout = timeout
        self.agent_id = None
        self.ws_token = None

    # --- REST -------------------------------------------------------------
    def register(self, name=None):
        body = {"public_key": self.public_key}
        if name:
            body["name"] = name
        r = requests.post(f"{self.base}/agent/register", json=body, timeout=self.timeout)
        r.raise_for_status()
        data = r.json()
        self.agent_id = data["agent_id"]
        self.ws_token = data["ws_token"]
        if not isinstance(self.agent_id, int):
            raise JujiError(f"agent_id is not an integer: {data!r}")
        return data

    def get(self, path):
        r = requests.get(f"{self.base}{path}", timeout=self.timeout)
        r.raise_for_status()
        return r.json()

    def post(self, path, body=None, params=None, bearer=None):
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        return requests.post(f"{self.base}{path}", json=body or {}, params=params, headers=headers, timeout=self.timeout)

    def parley_token(self):
        """A Parley bearer token for this key: Parley's registration signs parley-register-v1|<public_key>|<ts>."""
        ts = int(time.time())
        sig = self.key.sign(f"parley-register-v1|{self.public_key}|{ts}".encode()).signature.hex()
        r = requests.post(f"{self.base}/v1/agents/register", json={"public_key": self.public_key, "ts": ts, "sig": sig}, timeout=self.timeout)
        r.raise_for_status()
        return r.json()["token"]

    # --- WebSocket --------------------------------------------------------
    def ws_url(self, ts=None, sig=None, signed=True):
        ts = int(time.time()) if ts is None else ts
        url = f"{self.base.replace('http', 'ws', 1)}/ws?agent_id={self.agent_id}&token={self.ws_token}"
        if signed:
            sig = sig or self.key.sign(f"juji-ws-v1|{self.agent_id}|{ts}".encode()).signature.hex()
            url += f"&ts={ts}&sig={sig}"
        return url

    def connect(self, ts=None, sig=None, signed=True):
        """Opens /ws and waits for `connected`; raises Closed when the server closes instead."""
        conn = Connection(websocket.create_connection(self.ws_url(ts, sig, signed), timeout=self.timeout), self.agent_id)
        first = conn.recv()
        if first.get("type") != "connected":
            raise JujiError(f"expected connected, got {first!r}")
        if first.get("agent_id") != self.agent_id:
            raise JujiError(f"connected as {first.get('agent_id')!r}, expected {self.agent_id!r}")
        return conn


class Connection:
    def __init__(self, ws, agent_id):
        self.ws = ws
        self.agent_id = agent_id
        self.pushes = []

    def recv(self):
        """The next JSON frame; raises Closed on a close frame."""
        while True:
            opcode, data = self.ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
                raise Closed(code)
            if opcode in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
                return json.loads(data.decode("utf-8"))

    def ping(self):
        self.ws.send("ping")
        while True:
            m = self.recv()
            if m.get("type") == "pong":
                return m
            self.pushes.append(m)

    def call(self, action, params=None):
        """One action; pushes that arrive meanwhile are kept in `pushes`. Returns content, raises JujiError on status error."""
        u_id = str(uuid.uuid4())
        self.ws.send(json.dumps({"agent_id": self.agent_id, "u_id": u_id, "params": {"action": action, "params": params or {}}}))
        while True:
            m = self.recv()
            if m.get("u_id") == u_id:
                if m.get("agent_id") != self.agent_id:
                    raise JujiError(f"answer for agent {m.get('agent_id')!r}")
                if m.get("status") == "success":
                    return m["content"]
                raise JujiError(m["content"]["error"])
            self.pushes.append(m)

    def wait_push(self, pred, timeout=20):
        deadline = time.time() + timeout
        while True:
            for i, m in enumerate(self.pushes):
                if pred(m):
                    return self.pushes.pop(i)
            left = deadline - time.time()
            if left <= 0:
                raise JujiError(f"no such push in time; got {self.pushes!r}")
            self.ws.settimeout(left)
            try:
                self.pushes.append(self.recv())
            except websocket.WebSocketTimeoutException:
                pass

    def close(self):
        self.ws.close()
