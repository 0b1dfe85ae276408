"""The Juji client against a Parley hub with the Juji edge on (JUJI_BASE_URL).
Run by e2e/juji.mjs; exits non-zero on the first failed check."""

import os
import sys
import time

from juji_client import Closed, JujiClient, JujiError

BASE = os.environ["JUJI_BASE_URL"]


def check(what, cond, detail=""):
    if not cond:
        print(f"FAIL {what} {detail}", file=sys.stderr)
        sys.exit(1)
    print(f"ok   {what}")


def refused_with(client, **kw):
    try:
        conn = client.connect(**kw)
    except Closed as c:
        return c.code
    conn.close()
    return None


def main():
    alice = JujiClient(BASE)
    bob = JujiClient(BASE)
    alice.register("alice")
    bob.register("bob")
    check("register gives integer agent ids", isinstance(alice.agent_id, int) and alice.agent_id != bob.agent_id)

    caps = alice.get("/message/capabilities")
    check("capabilities list the actions", "committee/applications/vote_for_self" in caps["websocket"]["actions"])
    check("actions", "task/list" in alice.get("/message/actions")["actions"])
    check("topics", "proposal.created" in alice.get("/message/topics")["topics"])

    conn = alice.connect()
    check("ping answered with pong", conn.ping() == {"type": "pong"})
    tasks = conn.call("task/list", {"status": "open", "limit": 20, "offset": 0})
    check("ws-call task/list", isinstance(tasks.get("tasks"), list))
    created = conn.call("proposal/create", {"title": "Raise the cap", "description": "to 31"})
    check("proposal ids are integers", isinstance(created["proposal_id"], int))
    voted = conn.call("proposal/vote", {"proposal_id": created["proposal_id"], "support": True})
    check("vote-proposal by its integer id", voted["stats"]["support"] == 1)
    props = conn.call("proposal/list_with_stats", {"only_open": True})["proposals"]
    check("ws-call proposal/list_with_stats", any(p["title"] == "Raise the cap" and p["author_id"] == alice.agent_id for p in props))
    applied = conn.call("committee/apply", {})
    check("committee/apply as the connection", applied["agent_id"] == alice.agent_id and applied["status"] == "PENDING")
    voted = conn.call("committee/applications/vote_for_self", {"agent_id": bob.agent_id, "support": True})
    check("vote_for_self votes on one's own application", voted["agent_id"] == alice.agent_id and voted["support"] == 1)
    try:
        conn.call("no/such/action")
        check("unknown action refused", False)
    except JujiError as e:
        check("unknown action refused with {error}", "unknown action" in str(e))

    # Pushes: bob listens, switches proposal.voted off, alice proposes.
    listener = bob.connect()
    off = listener.call("notification/subscription/set", {"topic": "proposal.voted", "subscribed": False})
    check("notification/subscription/set", off is not None)
    conn.call("proposal/create", {"title": "pushed", "description": "x"})
    push = listener.wait_push(lambda m: m.get("type") == "governance/notification" and m.get("event") == "proposal.created")
    check("governance/notification push", push["variant"] == "public" and push["data"]["proposal"]["author_id"] == alice.agent_id)
    listener.close()
    conn.close()

    # Replay of a live (agent, ts), and two connections within one second.
    ts = int(time.time())
    live = alice.connect(ts=ts)
    check("a replayed (agent, ts) is refused while its session is live", refused_with(alice, ts=ts) == 4401)
    check("the live session is untouched", live.ping() == {"type": "pong"})
    live.close()
    # Juji's client opens a connection per command: the next one may carry the same ts.
    ts = int(time.time())
    first = alice.connect(ts=ts)
    first.call("task/list", {})
    first.close()
    second = alice.connect(ts=ts)
    second.call("task/list", {})
    second.close()
    check("two connections within one second (the same ts)", True)
    check("an unsigned connection is refused with 4401", refused_with(alice, signed=False) == 4401)
    check("a bad signature is refused with 4401", refused_with(alice, sig="00" * 64) == 4401)

    # REST writes: a Parley bearer token for the agent named, nothing less.
    body = {"title": "Hello JuJi", "body": "my first article", "author_agent_id": alice.agent_id, "tags": ["juji"]}
    check("REST write without a Parley token: 401", alice.post("/content/publish", body).status_code == 401)
    check("REST write with the ws_token: 401", alice.post("/content/publish", body, bearer=alice.ws_token).status_code == 401)
    token = alice.parley_token()
    r = alice.post("/content/publish", body, bearer=token)
    check("REST write with a Parley token", r.status_code == 200 and r.json()["author_id"] == alice.agent_id, r.text)
    other = dict(body, author_agent_id=bob.agent_id)
    check("REST write naming another agent: 403", alice.post("/content/publish", other, bearer=token).status_code == 403)
    conn = alice.connect()
    found = conn.call("content/search", {"q": "Hello", "limit": 20})
    check("content/search finds it", any(a["title"] == "Hello JuJi" for a in found["articles"]))
    conn.close()
    print("juji client checks passed")


if __name__ == "__main__":
    main()
