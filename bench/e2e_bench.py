"""make bench-e2e: FlatBuffers records served out of LMDB per call, end to end, in one run.

1. zerowamp (examples/e2e_bench.rs): records of 64 B to 1 MiB through the embedded router to
   zerowamp clients, next to a plain TCP socket moving the same bytes; and the reference's work
   (100,000 records of about 210 B, random UUID keys).
2. The reference stack doing that same work, with its own scripts, run from where they are
   (REFERENCE_DIR/bench/e2e_callee.py and e2e_caller.py): crossbar, an autobahn-python callee
   reading each record from zlmdb, autobahn-python callers.
Then one table: zerowamp / plain TCP, and zerowamp / reference.

Usage (with the reference virtualenv's Python, .venv-ref/bin/python, which has zlmdb and crossbar):
    e2e_bench.py ZEROWAMP_E2E_BENCH REFERENCE_DIR [--seconds S] [--repeats N]
                 [--seq-calls N] [--flight-calls N]
"""
import argparse
import importlib.metadata
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

RECORDS = 100_000  # the reference caller's default --nrecords: keys 0..N of zlmdb_records.keys_for
# The reference runs these; zerowamp measures the same (examples/e2e_bench.rs).
REFERENCE_CASES = [("ws", "msgpack"), ("rs", "msgpack"), ("ws", "json"), ("ws", "cbor")]
WINDOWS = [1, 100]
READY_TIMEOUT = 60


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# --- zerowamp -------------------------------------------------------------------------------------

def run_zerowamp(binary, seconds, repeats):
    """The Rust benchmark's JSON lines, as dicts."""
    log(f"== zerowamp: {binary}")
    rows = []
    cmd = [binary, "--json", "--seconds", str(seconds), "--repeats", str(repeats)]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        for line in proc.stdout:
            row = json.loads(line)
            rows.append(row)
            if row["part"] != "load":
                log(f"   {row['stack']:<8} {row['transport']} {row['serializer']:<7} {row['size']:>7} B "
                    f"{row['window']:>3} in flight: {row['calls_per_s']:>9,.0f} rec/s")
    if proc.returncode != 0:
        sys.exit(f"e2e_bench failed with exit code {proc.returncode}")
    return rows


# --- the reference stack --------------------------------------------------------------------------

class Processes:
    """Every process started here, each in a session of its own; stop() ends them all (crossbar's
    workers too: they share its process group)."""

    def __init__(self):
        self.procs = []

    def start(self, cmd, **kw):
        proc = subprocess.Popen(cmd, start_new_session=True, **kw)
        self.procs.append(proc)
        return proc

    def stop(self, proc, grace=10.0):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            except ProcessLookupError:
                pass
        # Anything left in its group (a worker that outlived its parent) goes too.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self):
        for proc in reversed(list(self.procs)):
            self.stop(proc)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def generate_record_module(ref_dir, out):
    """The reference's record type in Python, made with zlmdb's own flatc (as its README says);
    zlmdb_records imports it as record_generated."""
    from zlmdb._flatc import get_flatc_path
    subprocess.run([str(get_flatc_path()), "--python", "--gen-onefile", "-o", out,
                    os.path.join(ref_dir, "bench", "fbs", "record.fbs")], check=True)
    if not os.path.exists(os.path.join(out, "record_generated.py")):
        sys.exit("flatc made no record_generated.py")


def build_reference_data(ref_dir, gen_dir, path):
    """The data e2e_callee.py reads (PEERS/data/zlmdb_fbs_1.0): RECORDS records made by the
    reference's own zlmdb_records (keys_for, make_record, Schema), written as its zlmdb_bench.py
    does, in one write transaction."""
    sys.path[:0] = [gen_dir, os.path.join(ref_dir, "bench")]
    import random
    import zlmdb
    import zlmdb_records as zr
    schema, keys, rnd = zr.Schema(), zr.keys_for(RECORDS), random.Random(1)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    db = zlmdb.Database(dbpath=path, maxsize=2**30, lib_version="1.0", sync=True)
    with db.begin(write=True) as txn:
        for i, key in enumerate(keys):
            schema.records[txn, key] = zr.make_record(i, rnd)
    with db.begin() as txn:
        if schema.records.count(txn) != RECORDS:
            sys.exit("the reference data has the wrong number of records")
    db.__exit__(None, None, None)


def crossbar_config(ref_dir, ws_port, rs_port):
    """The reference's crossbar config with its two listening ports replaced."""
    with open(os.path.join(ref_dir, "crossbar-config.json")) as f:
        config = json.load(f)
    ports = {"websocket": ws_port, "rawsocket": rs_port}
    for worker in config["workers"]:
        for transport in worker.get("transports", []):
            transport["endpoint"]["port"] = ports[transport["type"]]
    return config


def wait_listening(proc, ports, what, log_path):
    deadline = time.monotonic() + READY_TIMEOUT
    for port in ports:
        while True:
            if proc.poll() is not None:
                sys.exit(f"{what} exited with {proc.returncode}; see {log_path}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit(f"{what} is not listening on {port} after {READY_TIMEOUT} s; see {log_path}")
                time.sleep(0.2)


def wait_ready(proc, what):
    """Waits for the line READY on proc's stdout."""
    ready = threading.Event()

    def read():
        for line in proc.stdout:
            if line.strip() == "READY":
                ready.set()
    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(READY_TIMEOUT):
        sys.exit(f"{what} did not get READY in {READY_TIMEOUT} s")


def run_reference(ref_dir, repeats, seq_calls, flight_calls):
    bench = os.path.join(ref_dir, "bench")
    for script in ("e2e_callee.py", "e2e_caller.py", "zlmdb_records.py", "common.py"):
        if not os.path.exists(os.path.join(bench, script)):
            sys.exit(f"the reference stack is not at {ref_dir}: no bench/{script}")
    python = sys.executable
    crossbar = os.path.join(os.path.dirname(python), "crossbar")
    scratch = tempfile.mkdtemp(prefix="zw-e2e-ref-")
    procs = Processes()
    rows = []
    try:
        gen = os.path.join(scratch, "gen")
        generate_record_module(ref_dir, gen)
        peers = os.path.join(scratch, "peers")
        db_path = os.path.join(peers, "data", "zlmdb_fbs_1.0")
        t0 = time.monotonic()
        build_reference_data(ref_dir, gen, db_path)
        log(f"== reference: {RECORDS:,} records in zlmdb ({time.monotonic() - t0:.1f} s)")

        ws_port, rs_port = free_port(), free_port()
        cbdir = os.path.join(scratch, "node", ".crossbar")
        os.makedirs(cbdir)
        with open(os.path.join(cbdir, "config.json"), "w") as f:
            json.dump(crossbar_config(ref_dir, ws_port, rs_port), f, indent=2)
        cb_log = os.path.join(scratch, "crossbar.log")
        with open(cb_log, "w") as out:
            router = procs.start([crossbar, "start", "--cbdir", cbdir], stdout=out,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        t0 = time.monotonic()
        wait_listening(router, [ws_port, rs_port], "crossbar", cb_log)
        log(f"== reference: crossbar listening on {ws_port} (WebSocket), {rs_port} (RawSocket) "
            f"after {time.monotonic() - t0:.1f} s")

        env = dict(os.environ, WS_PORT=str(ws_port), RS_PORT=str(rs_port), PEERS=peers,
                   PYTHONPATH=gen, PYTHONUNBUFFERED="1")
        for transport, serializer in REFERENCE_CASES:
            tag = ["--transport", transport, "--serializer", serializer]
            callee = procs.start([python, os.path.join(bench, "e2e_callee.py"), "--db", db_path] + tag,
                                 env=env, stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
            wait_ready(callee, f"the reference callee ({transport}, {serializer})")
            for window in WINDOWS:
                n = seq_calls if window == 1 else flight_calls
                runs = []
                for _ in range(repeats):
                    done = subprocess.run(
                        [python, os.path.join(bench, "e2e_caller.py"), "--n", str(n), "--window", str(window),
                         "--nrecords", str(RECORDS)] + tag,
                        env=env, capture_output=True, text=True, timeout=300)
                    if done.returncode != 0:
                        sys.exit(f"the reference caller failed:\n{done.stderr}")
                    runs.append(json.loads(done.stdout.strip().splitlines()[-1])["calls_per_s"])
                row = dict(part="reference", stack="reference", transport=transport, serializer=serializer,
                           window=window, calls=n, calls_per_s=statistics.median(runs), runs_calls_per_s=runs)
                rows.append(row)
                log(f"   reference {transport} {serializer:<7} {window:>3} in flight: "
                    f"{row['calls_per_s']:>9,.0f} rec/s  (runs {', '.join(f'{r:,.0f}' for r in runs)})")
            procs.stop(callee)
    finally:
        procs.stop_all()
        shutil.rmtree(scratch, ignore_errors=True)
    return rows


# --- the table --------------------------------------------------------------------------------------

def spread(runs):
    """Half of (max - min), in percent of the median: how much the runs of one figure disagree."""
    return f"±{(max(runs) - min(runs)) / 2 / statistics.median(runs) * 100:.0f}%" if len(runs) > 1 else ""


def copied(row):
    c = row.get("callee_copies_per_record")
    return "" if c is None else f"{c:.2f}"


def size_name(n):
    for unit, div in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div and n % div == 0:
            return f"{n // div} {unit}"
    return f"{n} B"


TRANSPORT = {"ws": "WebSocket", "rs": "RawSocket", "tcp": "TCP"}
FLIGHT = {1: "sequential", 100: "100 in flight"}


def print_table(zw_rows, ref_rows, args, load_start, load_ref, load_end, seconds):
    versions = ", ".join(f"{p} {importlib.metadata.version(p)}" for p in ("crossbar", "autobahn", "zlmdb"))
    print()
    print("make bench-e2e: FlatBuffers records read from LMDB per call and returned over WAMP (records/s)")
    print(f"machine: {os.cpu_count()} cores; load average (1, 5, 15 min) at start {load_start}, "
          f"before the reference {load_ref}, at end {load_end}; whole run {seconds:.0f} s")
    print(f"each figure: median of {args.repeats} runs (± half the spread of the runs); MB = 10^6 octets of records")
    print()
    print("1. zerowamp: the embedded router (RouterServer on 127.0.0.1), a zerowamp callee yielding each\n"
          "   record zero-copy from a read snapshot, a zerowamp caller; "
          f"{args.seconds} s per run. Next to it a plain TCP\n"
          "   socket: 8-octet request, record-size response, as many in flight; one write per message\n"
          "   (TCP) and, with 100 in flight, one write for all that one read brought (batched TCP).\n"
          "   copied: octets the callee copied per octet of record it yielded (its serializer: JSON's base64,\n"
          "   records under 1 KiB; WebSocket masking, envelope included); 0 is zero-copy out of the map.")
    head = (f"   {'record':>7} {'transport':<10} {'codec':<8} {'calls':<14} {'zerowamp rec/s':>16} {'MB/s':>7} {'copied':>6} "
            f"{'TCP rec/s':>17} {'zw/TCP':>7} {'batched TCP':>17} {'zw/batched':>10}")
    print(head)
    print("   " + "-" * (len(head) - 3))
    floors = {(r["stack"], r["size"], r["window"]): r for r in zw_rows if r.get("stack", "").startswith("tcp")}
    sized = [r for r in zw_rows if r.get("part") == "sizes" and r["stack"] == "zerowamp"]
    order = {"msgpack": 0, "cbor": 1, "json": 2}
    sized.sort(key=lambda r: (r["size"], order[r["serializer"]], r["transport"] != "ws", r["window"]))

    def against(r, stack):
        floor = floors.get((stack, r["size"], r["window"]))
        if floor is None:
            return "", ""
        return (f"{floor['calls_per_s']:>10,.0f} {spread(floor['runs_calls_per_s']):>6}",
                f"{r['calls_per_s'] / floor['calls_per_s']:.2f}x")

    for r in sized:
        tcp, tcp_ratio = against(r, "tcp")
        batched, batched_ratio = against(r, "tcp-batched") if r["window"] > 1 else ("(as TCP)", "")
        print(f"   {size_name(r['size']):>7} {TRANSPORT[r['transport']]:<10} {r['serializer']:<8} "
              f"{FLIGHT[r['window']]:<14} {r['calls_per_s']:>9,.0f} {spread(r['runs_calls_per_s']):>6} "
              f"{r['MB_per_s']:>7.1f} {copied(r):>6} {tcp:>17} {tcp_ratio:>7} {batched:>17} {batched_ratio:>10}")
    print()
    zw_ref = {(r["transport"], r["serializer"], r["window"]): r
              for r in zw_rows if r.get("part") == "reference" and r["stack"] == "zerowamp"}
    size = next(iter(zw_ref.values()))["size"] if zw_ref else 0
    print(f"2. zerowamp / reference: the reference's e2e work -- {RECORDS:,} records of ~{size} B (96-octet\n"
          f"   payload) in LMDB, a random 16-octet UUID key per call, the record returned as bytes.\n"
          f"   reference ({versions}): a crossbar router, an autobahn-python\n"
          f"   (asyncio) callee opening a zlmdb read transaction per call (bench/e2e_callee.py), an autobahn\n"
          f"   caller (bench/e2e_caller.py; {args.seq_calls:,} calls sequential, {args.flight_calls:,} with 100 in "
          f"flight, per run);\n"
          f"   crossbar (controller and router worker), callee and caller each a process. zerowamp: as in 1\n"
          f"   (router, callee and caller in one process, an I/O thread each).")
    head = f"   {'transport':<10} {'codec':<8} {'calls':<14} {'zerowamp rec/s':>16} {'copied':>6} " \
           f"{'reference rec/s':>17} {'zerowamp / reference':>21}"
    print(head)
    print("   " + "-" * (len(head) - 3))
    for r in ref_rows:
        z = zw_ref.get((r["transport"], r["serializer"], r["window"]))
        zr = f"{z['calls_per_s']:>9,.0f} {spread(z['runs_calls_per_s']):>6}" if z else "-"
        rr = f"{r['calls_per_s']:>10,.0f} {spread(r['runs_calls_per_s']):>6}"
        ratio = f"{z['calls_per_s'] / r['calls_per_s']:>20.1f}x" if z else "-"
        print(f"   {TRANSPORT[r['transport']]:<10} {r['serializer']:<8} {FLIGHT[r['window']]:<14} "
              f"{zr:>16} {copied(z) if z else '':>6} {rr:>17} {ratio:>21}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("zerowamp", help="the built examples/e2e_bench binary")
    ap.add_argument("reference", help="the reference stack's directory (../shared/reference-stack)")
    ap.add_argument("--seconds", type=float, default=0.6, help="length of one zerowamp run")
    ap.add_argument("--repeats", type=int, default=3, help="runs per figure (the median is shown)")
    ap.add_argument("--seq-calls", type=int, default=1000, help="reference calls per sequential run")
    ap.add_argument("--flight-calls", type=int, default=4000, help="reference calls per run with 100 in flight")
    args = ap.parse_args()
    if not os.path.isdir(args.reference):
        sys.exit(f"the reference stack is not at {args.reference}")
    # Stop cleanly (and stop every process started) on Ctrl-C or a termination signal.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    start, load_start = time.monotonic(), loadavg()
    log(f"== load average at start: {load_start}")
    zw_rows = run_zerowamp(args.zerowamp, args.seconds, args.repeats)
    load_ref = loadavg()
    ref_rows = run_reference(args.reference, args.repeats, args.seq_calls, args.flight_calls)
    print_table(zw_rows, ref_rows, args, load_start, load_ref, loadavg(), time.monotonic() - start)


if __name__ == "__main__":
    main()
