"""The WAMP client against the embedded router: RPC (blocking, async, progressive, canceled,
failing), PubSub with options, invocations answered from other threads, and the lifetimes of
borrowed messages and callback userdata."""

import logging
import queue
import select
import threading
import time

import pytest

import zerowamp
from zerowamp.sample.Record import Record

from conftest import WAIT, collect, make_record


def echo(inv):
    """A handler answering with the arguments it got, in the form it got them."""
    msg = inv.message
    if msg.kind == "binary":
        inv.yield_(binary=msg.binary)
    elif msg.kind == "record":
        inv.yield_(record=msg.binary)
    else:
        inv.yield_(msg.args, msg.kwargs)


def wait_for(predicate, what):
    deadline = time.monotonic() + WAIT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


# --- sessions ------------------------------------------------------------------------------------


def test_connect_join_and_close(connect):
    client = connect()
    assert client.session_id > 0
    assert zerowamp.live_handles() == {"router": 1, "client": 1}
    assert "realm1" in repr(client)
    client.close()
    client.close()  # twice is fine
    assert client.closed
    with pytest.raises(zerowamp.ClosedError):
        client.call("com.example.anything")
    assert zerowamp.live_handles() == {"router": 1}


def test_leave_then_requests_are_refused(connect):
    client = connect()
    client.leave()
    with pytest.raises(zerowamp.ClosedError):
        client.publish("com.example.topic", ["x"])


def test_connect_failures(url, router):
    port = int(url.rsplit(":", 1)[1])
    router.close()  # nobody listens there any more
    with pytest.raises(zerowamp.ConnectError) as info:
        zerowamp.Client.connect(f"rs://127.0.0.1:{port}", "realm1", reconnect=False, connect_timeout=2)
    assert info.value.message
    with pytest.raises(zerowamp.InvalidArgument):
        zerowamp.Client.connect("nonsense://x", "realm1")
    with pytest.raises(ValueError, match="serializer"):
        zerowamp.Client.connect(url, "realm1", serializer="xml")


def test_an_unknown_realm_is_refused(url):
    with pytest.raises(zerowamp.ConnectError) as info:
        zerowamp.Client.connect(url, "no.such.realm", reconnect=False)
    assert "no.such.realm" in info.value.message or "realm" in info.value.message


# --- RPC -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("serializer", ["json", "msgpack", "cbor", "flatbuffers"])
def test_call_with_json_args(connect, serializer):
    callee = connect(serializer=serializer)
    caller = connect(serializer=serializer)

    def add(inv):
        inv.yield_([sum(inv.message.args)], {"n": len(inv.message.args), "unicode": "grüße"})

    with callee.register("com.example.add", add):
        with caller.call("com.example.add", [1, 2, 3.5]) as result:
            assert result.kind == "json"
            assert result.args == [6.5]
            assert result.kwargs == {"n": 3, "unicode": "grüße"}
            assert result.binary is None and result.error is None and result.passthru is None


@pytest.mark.parametrize("serializer", ["json", "msgpack", "cbor", "flatbuffers"])
def test_binary_round_trip(connect, serializer):
    callee = connect(serializer=serializer)
    caller = connect(serializer=serializer)
    blob = bytes(range(256)) * 40
    with callee.register("com.example.echo", echo):
        with caller.call("com.example.echo", binary=blob) as result:
            assert result.kind == "binary"
            assert isinstance(result.binary, memoryview) and result.binary.readonly
            assert bytes(result.binary) == blob
            view = result.binary
        with pytest.raises(ValueError):
            view[0]  # released with its message
        with pytest.raises(zerowamp.ClosedError):
            result.args


def test_kinds_of_arguments(connect):
    client = connect()
    with client.register("com.example.echo", echo):
        assert client.call("com.example.echo").kind == "none"
        assert client.call("com.example.echo", kwargs={"a": None}).kwargs == {"a": None}
        nested = [{"x": [1, 2, {"y": True}]}, "s", -(2 ** 40), 1.25, None]
        assert client.call("com.example.echo", nested).args == nested
    with pytest.raises(TypeError, match="binary="):
        client.call("com.example.echo", [b"bytes inside JSON"])
    with pytest.raises(ValueError, match="one payload"):
        client.call("com.example.echo", [1], binary=b"x")


def test_call_details_and_disclose(connect):
    callee = connect()
    caller = connect()
    seen = []

    def who(inv):
        seen.append(inv.message.details.get("caller"))
        inv.yield_()

    with callee.register("com.example.who", who, disclose_caller=True):
        caller.call("com.example.who")
    assert seen == [caller.session_id]


def test_errors_from_the_callee(connect, caplog):
    callee = connect()
    caller = connect()

    def refuse(inv):
        raise zerowamp.WampError("com.example.error.refused", ["no", 7], {"why": "policy"})

    def crash(inv):
        raise ValueError("a bug in the handler")

    with callee.register("com.example.refuse", refuse), callee.register("com.example.crash", crash):
        with pytest.raises(zerowamp.WampError) as info:
            caller.call("com.example.refuse")
        err = info.value
        assert err.uri == "com.example.error.refused"
        assert err.args == ("no", 7) and err.kwargs == {"why": "policy"}
        assert err.code == zerowamp._lib.ZW_ERR_WAMP and err.name == "ZW_ERR_WAMP"
        assert "com.example.error.refused" in str(err)

        with caplog.at_level(logging.ERROR, logger="zerowamp"):
            with pytest.raises(zerowamp.WampError) as info:
                caller.call("com.example.crash")
        assert info.value.uri == "wamp.error.runtime_error"
        assert "a bug in the handler" in info.value.args[0]
        assert any("raised" in r.getMessage() and r.exc_info for r in caplog.records)

    with pytest.raises(zerowamp.WampError) as info:
        caller.call("com.example.nobody")
    assert info.value.uri == "wamp.error.no_such_procedure"


def test_timeout(connect):
    callee = connect()
    caller = connect()
    held = []
    with callee.register("com.example.slow", held.append):
        t0 = time.monotonic()
        with pytest.raises(zerowamp.TimeoutError):
            caller.call("com.example.slow", timeout=0.2)
        assert 0.15 < time.monotonic() - t0 < 5
        assert isinstance(zerowamp.TimeoutError("x"), TimeoutError)  # the builtin too
    for inv in held:
        inv.close()


def test_call_async_future(connect):
    client = connect()
    with client.register("com.example.echo", echo):
        calls = [client.call_async("com.example.echo", [i]) for i in range(20)]
        assert [c.result(WAIT).args for c in calls] == [[i] for i in range(20)]
        failed = client.call_async("com.example.nobody")
        with pytest.raises(zerowamp.WampError):
            failed.result(WAIT)
        assert not failed.cancel()  # over: nothing to cancel


def test_on_result_reads_the_borrowed_result_zero_copy(connect):
    callee = connect()
    caller = connect()
    seen = {}

    def on_result(message, error):
        assert error is None
        seen["view"] = message.binary
        seen["message"] = message
        return bytes(message.binary[:4])

    with callee.register("com.example.echo", echo):
        call = caller.call_async("com.example.echo", binary=b"abcdefgh", on_result=on_result)
        assert call.result(WAIT) == b"abcd"
    with pytest.raises(ValueError):
        seen["view"][0]  # released when on_result returned
    with pytest.raises(zerowamp.ClosedError, match="detach"):
        seen["message"].binary

    def failing(message, error):
        raise KeyError("from on_result")

    call = caller.call_async("com.example.nobody", on_result=lambda m, e: ("got", type(e).__name__, e.uri))
    assert call.result(WAIT) == ("got", "WampError", "wamp.error.no_such_procedure")
    with callee.register("com.example.echo2", echo):
        call = caller.call_async("com.example.echo2", on_result=failing)
        with pytest.raises(KeyError):
            call.result(WAIT)


def test_progressive_results(connect):
    callee = connect()
    caller = connect()

    def count(inv):
        assert inv.wants_progress
        n = inv.message.args[0]
        for i in range(n):
            inv.progress([i])
        inv.yield_(["done"], {"total": n})

    progress = []
    with callee.register("com.example.count", count):
        call = caller.call_async("com.example.count", [5], on_progress=lambda m: progress.append(m.args[0]))
        result = call.result(WAIT)
    assert progress == [0, 1, 2, 3, 4]
    assert result.args == ["done"] and result.kwargs == {"total": 5}


def test_cancel_skip_and_kill(connect):
    callee = connect()
    caller = connect()
    held = queue.Queue()
    interrupts = queue.Queue()

    def on_interrupt(invocation_id, mode):
        interrupts.put((invocation_id, mode))

    with callee.register("com.example.wait", held.put, on_interrupt=on_interrupt):
        call = caller.call_async("com.example.wait", [1])
        inv = held.get(timeout=WAIT)
        assert call.cancel("skip")
        with pytest.raises(zerowamp.Canceled):
            call.result(WAIT)
        inv.close()

        call = caller.call_async("com.example.wait", [2])
        inv = held.get(timeout=WAIT)
        assert call.cancel("kill")
        assert interrupts.get(timeout=WAIT) == (inv.id, "kill")
        wait_for(lambda: inv.interrupted, "the invocation to be marked interrupted")
        inv.error("wamp.error.canceled", ["stopped"])
        with pytest.raises(zerowamp.Canceled) as info:  # the callee's answer, as the library's code
            call.result(WAIT)
        assert "stopped" in info.value.message
        with pytest.raises(ValueError):
            call.cancel("sideways")


def test_invocations_answered_from_other_threads(connect):
    callee = connect()
    caller = connect()
    work = queue.Queue()

    def worker():
        while True:
            inv = work.get()
            if inv is None:
                return
            a, b = inv.message.args
            time.sleep(0.001)
            inv.yield_([a * b])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        with callee.register("com.example.mul", work.put):
            calls = [caller.call_async("com.example.mul", [i, 3]) for i in range(100)]
            assert [c.result(WAIT).args[0] for c in calls] == [3 * i for i in range(100)]
    finally:
        for _ in threads:
            work.put(None)
        for t in threads:
            t.join()


def test_an_invocation_is_answered_once(connect):
    callee = connect()
    caller = connect()
    got = queue.Queue()
    with callee.register("com.example.once", got.put):
        call = caller.call_async("com.example.once", ["x"])
        inv = got.get(timeout=WAIT)
        msg = inv.message
        assert msg.args == ["x"] and not inv.answered
        inv.yield_(["first"])
        assert inv.answered
        with pytest.raises(zerowamp.ClosedError):
            inv.yield_(["second"])
        with pytest.raises(zerowamp.ClosedError):
            inv.error("com.example.error")
        with pytest.raises(zerowamp.ClosedError):
            msg.args  # the message went with the answer
        assert call.result(WAIT).args == ["first"]


def test_unanswered_invocations_answer_runtime_error(connect):
    callee = connect()
    caller = connect()
    got = queue.Queue()
    with callee.register("com.example.drop", got.put):
        call = caller.call_async("com.example.drop")
        got.get(timeout=WAIT).close()
        with pytest.raises(zerowamp.WampError) as info:
            call.result(WAIT)
        assert info.value.uri == "wamp.error.runtime_error"

        call = caller.call_async("com.example.drop")
        got.get(timeout=WAIT)  # dropped: the garbage collector answers it
        collect()
        with pytest.raises(zerowamp.WampError) as info:
            call.result(WAIT)
        assert info.value.uri == "wamp.error.runtime_error"


def test_blocking_in_a_callback_raises(connect):
    client = connect()
    errors = queue.Queue()

    def handler(event):
        try:
            client.call("com.example.anything")
        except zerowamp.Error as err:
            errors.put(err)

    with client.subscribe("com.example.t", handler):
        client.publish("com.example.t", exclude_me=False, acknowledge=True)
        assert isinstance(errors.get(timeout=WAIT), zerowamp.InCallbackError)


# --- PubSub --------------------------------------------------------------------------------------


def test_publish_and_subscribe(connect):
    sub = connect()
    pub = connect()
    events = queue.Queue()
    with sub.subscribe("com.example.news", lambda e: events.put(e.detach())):
        pub_id = pub.publish("com.example.news", ["hello"], {"n": 1}, acknowledge=True)
        assert isinstance(pub_id, int) and pub_id > 0
        pub.publish("com.example.news", binary=b"\x00\x01binary")
        first, second = events.get(timeout=WAIT), events.get(timeout=WAIT)
    assert first.args == ["hello"] and first.kwargs == {"n": 1}
    assert first.request_id == pub_id
    assert second.kind == "binary" and bytes(second.binary) == b"\x00\x01binary"
    pub.publish("com.example.news", ["after unsubscribe"], acknowledge=True)
    time.sleep(0.1)
    assert events.empty()


def test_publish_options(connect):
    a, b, c = connect(), connect(), connect()
    got = {name: queue.Queue() for name in "abc"}
    subs = [client.subscribe("com.example.opts", lambda e, q=got[name]: q.put((e.args, e.details)))
            for name, client in zip("abc", (a, b, c))]

    def received(name):
        items = []
        while not got[name].empty():
            items.append(got[name].get_nowait())
        return items

    a.publish("com.example.opts", [1], acknowledge=True)  # exclude_me by default
    a.publish("com.example.opts", [2], acknowledge=True, exclude_me=False)
    a.publish("com.example.opts", [3], acknowledge=True, exclude=[b.session_id])
    a.publish("com.example.opts", [4], acknowledge=True, eligible=[c.session_id])
    a.publish("com.example.opts", [5], acknowledge=True, disclose_me=True, eligible=[b.session_id])
    time.sleep(0.3)
    assert [args for args, _ in received("a")] == [[2]]
    b_got = received("b")
    assert [args for args, _ in b_got] == [[1], [2], [5]]
    assert b_got[-1][1].get("publisher") == a.session_id
    assert [args for args, _ in received("c")] == [[1], [2], [3], [4]]
    for s in subs:
        s.unsubscribe()
        s.close()


def test_prefix_and_wildcard_subscriptions(connect):
    sub = connect()
    pub = connect()
    prefix, wildcard = queue.Queue(), queue.Queue()
    with sub.subscribe("com.example.feed", lambda e: prefix.put(e.details.get("topic")), match="prefix"), \
         sub.subscribe("com.example..temp", lambda e: wildcard.put(e.details.get("topic")), match="wildcard"):
        pub.publish("com.example.feed.a", acknowledge=True)
        pub.publish("com.example.kitchen.temp", acknowledge=True)
        assert prefix.get(timeout=WAIT) == "com.example.feed.a"
        assert wildcard.get(timeout=WAIT) == "com.example.kitchen.temp"
    with pytest.raises(ValueError, match="match"):
        sub.subscribe("x", print, match="regex")


def test_events_are_borrowed_and_handler_errors_are_logged(connect, caplog):
    sub = connect()
    pub = connect()
    kept = []
    done = threading.Event()

    def handler(event):
        kept.append((event, event.binary))
        if len(kept) == 1:
            raise RuntimeError("handler failure")
        done.set()

    with caplog.at_level(logging.ERROR, logger="zerowamp"):
        with sub.subscribe("com.example.b", handler):
            pub.publish("com.example.b", binary=b"one", acknowledge=True)
            pub.publish("com.example.b", binary=b"two", acknowledge=True)
            assert done.wait(WAIT)  # the first handler's exception did not stop the second event
    assert any("event handler raised" in r.getMessage() for r in caplog.records)
    for event, view in kept:
        with pytest.raises(ValueError):
            bytes(view)
        with pytest.raises(zerowamp.ClosedError, match="detach"):
            event.kind
        assert repr(event) == "<zerowamp.Message ended>"


def test_callback_userdata_lives_until_free_userdata(connect):
    client = connect()
    base = zerowamp.live_callbacks()
    sub = client.subscribe("com.example.u", lambda e: None)
    reg = client.register("com.example.u", echo)
    assert zerowamp.live_callbacks() == base + 2
    call = client.call_async("com.example.u", [1])
    call.result(WAIT)
    wait_for(lambda: zerowamp.live_callbacks() == base + 2, "the call's userdata to be freed")
    sub.unsubscribe()
    wait_for(lambda: zerowamp.live_callbacks() == base + 1, "the subscription's userdata to be freed")
    sub.close()
    reg.close()  # the handle only: still registered, its userdata still held
    assert zerowamp.live_callbacks() == base + 1
    assert client.call("com.example.u", ["still there"]).args == ["still there"]
    client.close()  # frees the rest
    assert zerowamp.live_callbacks() == 0


def test_a_failing_request_frees_its_userdata(connect):
    client = connect()
    with pytest.raises(zerowamp.InvalidArgument):
        client.subscribe("not a valid uri!", print)
    with pytest.raises(zerowamp.InvalidArgument):
        client.register("", print)
    assert zerowamp.live_callbacks() == 0


# --- FlatBuffers records, zero-copy ---------------------------------------------------------------


@pytest.mark.parametrize("serializer", ["msgpack", "cbor"])
def test_a_record_published_zero_copy_from_a_transaction(connect, env, serializer):
    table = env.table("big", key="u64", root_type="zerowamp.sample.Record")
    big = make_record(7, payload=bytes(range(256)) * 16)  # 4 KiB: sent as a buffer of its own
    with env.begin(write=True) as txn:
        txn.put(table, 7, big)
    sub = connect(serializer=serializer)
    pub = connect(serializer=serializer)
    got = queue.Queue()

    def on_event(event):
        rec = Record.GetRootAs(event.binary, 0)  # read in place, inside the received frame
        got.put((event.kind, event.passthru, rec.Id(), rec.Name(), rec.PayloadLength(), bytes(event.binary)))

    with sub.subscribe("com.example.records", on_event):
        before = pub.stats()
        with env.begin() as txn:
            value = txn.get(table, 7)
            pub.publish("com.example.records", record=value, pin=txn)
        # the transaction ended right after the publish: the pinned snapshot lives on in the library
        kind, passthru, rid, name, length, raw = got.get(timeout=WAIT)
        # the counters move once the write has completed, which may be just after delivery
        wait_for(lambda: pub.stats().octets_sent > before.octets_sent + len(big), "the publish to be counted")
        after = pub.stats()
    assert (kind, passthru) == ("record", ("x_zerowamp", "flatbuffers"))
    assert (rid, name, length) == (7, b"user-00000007", 4096)
    assert raw == big
    assert after.messages_sent == before.messages_sent + 1
    assert after.payload_octets_copied_by_serializer == before.payload_octets_copied_by_serializer == 0
    assert after.octets_copied_by_transport == 0  # RawSocket writes the record from where it lies


def test_a_record_yielded_from_a_transaction(connect, env, records):
    callee = connect()
    caller = connect()

    def get(inv):
        with env.begin() as txn:
            value = txn.get(records, inv.message.args[0])
            if value is None:
                raise zerowamp.WampError("zerowamp.error.not_found", inv.message.args)
            inv.yield_(record=value, pin=txn)

    with callee.register("com.example.get", get):
        with caller.call("com.example.get", [12]) as result:
            assert result.kind == "record"
            rec = Record.GetRootAs(result.binary, 0)
            assert rec.Id() == 12 and rec.Email() == b"user-00000012@example.com"
        with pytest.raises(zerowamp.WampError) as info:
            caller.call("com.example.get", [999])
        assert info.value.uri == "zerowamp.error.not_found" and info.value.args == (999,)


def test_pinning_rules(connect, env, records):
    client = connect()
    with env.begin(write=True) as txn:
        with pytest.raises(zerowamp.InvalidArgument):
            client.publish("com.example.t", record=txn.get(records, 1), pin=txn)  # a write txn
    with env.begin() as txn:
        with pytest.raises(zerowamp.InvalidArgument):
            client.publish("com.example.t", record=make_record(1), pin=txn)  # not from the map
        with pytest.raises(ValueError, match="pin="):
            client.publish("com.example.t", ["x"], pin=txn)
        value = txn.get(records, 1)
    with pytest.raises(ValueError):
        client.publish("com.example.t", record=value)  # released with its transaction


# --- caller-driven mode --------------------------------------------------------------------------


def test_caller_driven_dispatch_with_select(connect):
    callee = connect()
    client = connect(caller_driven=True)
    fd = client.fileno()
    assert isinstance(fd, int) and fd >= 0
    events = []
    with callee.register("com.example.echo", echo):
        with client.subscribe("com.example.cd", lambda e: events.append(threading.get_ident())):
            call = client.call_async("com.example.echo", ["x"])
            callee.publish("com.example.cd", acknowledge=True)
            deadline = time.monotonic() + WAIT
            while not (call.done() and events) and time.monotonic() < deadline:
                readable, _, _ = select.select([client], [], [], 0.5)
                if readable:
                    client.dispatch()
    assert call.result(0).args == ["x"]
    assert events == [threading.get_ident()]  # the callback ran here, inside dispatch
    with pytest.raises(zerowamp.InvalidArgument):
        callee.fileno()  # a client with its own I/O thread has none


def test_a_refused_registration_raises_the_dealers_error(connect):
    client = connect()
    with client.register("com.example.once", lambda inv: inv.yield_()):
        with pytest.raises(zerowamp.WampError) as info:
            client.register("com.example.once", lambda inv: inv.yield_())
        # The ERROR itself (zw_last_wamp_error), not a parse of its text.
        assert info.value.uri == "wamp.error.procedure_already_exists"
        assert isinstance(info.value.details, dict)
