"""The embedded router: defaults, listeners on free ports, configs as text or file (and their
errors), authentication, and a graceful stop."""

import queue

import pytest

import zerowamp

from conftest import WAIT

TICKET_CONFIG = """
[[realms]]
name = "secure"

[[realms.roles]]
name = "user"
permissions = [{ uri = "com.example.", match = "prefix", call = true, register = true, publish = true, subscribe = true }]

[[realms.principals]]
authid = "alice"
authrole = "user"
ticket = "open sesame"
"""


def test_defaults_and_listeners():
    with zerowamp.Router.start() as router:
        assert router.urls == []
        rs = router.listen("rs://127.0.0.1:0")
        ws = router.listen("ws://127.0.0.1:0/ws")
        assert rs.startswith("rs://127.0.0.1:") and not rs.endswith(":0")
        assert ws.startswith("ws://127.0.0.1:") and ws.endswith("/ws")
        assert router.urls == [rs, ws]
        for url in (rs, ws):
            with zerowamp.Client.connect(url, "realm1") as client:
                assert client.session_id > 0
    assert router.closed
    router.close()  # twice is fine
    with pytest.raises(zerowamp.ClosedError):
        router.listen("rs://127.0.0.1:0")


def test_a_config_as_text_with_ticket_auth():
    with zerowamp.Router.start(TICKET_CONFIG) as router:
        url = router.listen("rs://127.0.0.1:0")
        with pytest.raises(zerowamp.ConnectError):
            zerowamp.Client.connect(url, "secure", reconnect=False)  # anonymous: refused
        with pytest.raises(zerowamp.ConnectError):
            zerowamp.Client.connect(url, "secure", authid="alice", ticket="wrong", reconnect=False)
        with zerowamp.Client.connect(url, "secure", authid="alice", ticket="open sesame") as client:
            with client.register("com.example.ping", lambda inv: inv.yield_(["pong"])):
                assert client.call("com.example.ping").args == ["pong"]
            with pytest.raises(zerowamp.WampError) as info:
                client.publish("org.other.topic", acknowledge=True)
            assert info.value.uri == "wamp.error.not_authorized"
            assert "may not publish" in info.value.args[0]


def test_a_config_file_with_its_listener(tmp_path):
    path = tmp_path / "router.toml"
    path.write_text('[[listeners]]\nurl = "rs://127.0.0.1:0"\n' + TICKET_CONFIG)
    with zerowamp.Router.start(path=path) as router:
        url = router.listen("ws://127.0.0.1:0/ws")
        with zerowamp.Client.connect(url, "secure", authid="alice", ticket="open sesame") as client:
            assert client.session_id > 0


def test_config_errors_name_the_field(tmp_path):
    with pytest.raises(zerowamp.InvalidArgument) as info:
        zerowamp.Router.start("[[realms]]\nname = 42\n")
    assert "name" in info.value.message
    with pytest.raises(zerowamp.InvalidArgument) as info:
        zerowamp.Router.start("[[realms]]\nnmae = 'x'\n")
    assert "nmae" in info.value.message
    missing = tmp_path / "missing.toml"
    with pytest.raises(zerowamp.Error) as info:
        zerowamp.Router.start(path=missing)
    assert "missing.toml" in info.value.message
    with pytest.raises(ValueError, match="not both"):
        zerowamp.Router.start("", path=missing)
    with zerowamp.Router.start() as router:
        with pytest.raises(zerowamp.Error):
            router.listen("nonsense://127.0.0.1:0")


def test_stopping_the_router_ends_the_sessions():
    router = zerowamp.Router.start()
    url = router.listen("rs://127.0.0.1:0")
    client = zerowamp.Client.connect(url, "realm1", reconnect=False)
    held = queue.Queue()
    try:
        client.register("com.example.hold", held.put)
        call = client.call_async("com.example.hold")
        held.get(timeout=WAIT)
        router.close()
        with pytest.raises((zerowamp.SessionLost, zerowamp.Canceled, zerowamp.WampError)):
            call.result(WAIT)
        with pytest.raises((zerowamp.NotConnected, zerowamp.ClosedError)):
            client.call("com.example.hold", timeout=1)
    finally:
        while not held.empty():
            held.get().close()
        client.close()
