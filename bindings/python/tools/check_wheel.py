"""Installs a zerowamp wheel into a fresh virtualenv for each given interpreter and uses it there:
the package must import from the virtualenv, load the library bundled in the wheel (not a
development build), and run the store demo — writing sample records and reading them back with
the generated zerowamp.sample code — and the WAMP demo (an embedded router serving those records).

Usage: check_wheel.py WHEEL SCHEMA.bfbs PYTHON [PYTHON...]      (run by `make test-wheel`)
"""

import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEMOS = [os.path.join(REPO, "examples", "python", name) for name in ("store_demo.py", "wamp_demo.py")]

PROBE = """\
import os, sys, zerowamp
from zerowamp.sample.Record import Record
path = zerowamp.library_path
assert path.startswith(sys.prefix), f"loaded {path}, not the copy bundled in the wheel"
assert os.path.dirname(path) == os.path.dirname(zerowamp.__file__), path
print(zerowamp.version(), path)
"""


def check(wheel, schema, python, scratch):
    """Creates a virtualenv with ``python``, installs ``wheel`` and runs the probe and the demos."""
    venv = os.path.join(scratch, "venv")
    subprocess.run([python, "-m", "venv", venv], check=True)
    bin_python = os.path.join(venv, "bin", "python")
    subprocess.run([bin_python, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel], check=True)
    # A clean environment: nothing may point the package at the development build.
    env = {k: v for k, v in os.environ.items()
           if k not in ("ZEROWAMP_LIBRARY", "PYTHONPATH", "CARGO_TARGET_DIR")}
    subprocess.run([bin_python, "-c", PROBE], check=True, cwd=scratch, env=env)
    for i, demo in enumerate(DEMOS):
        db = os.path.join(scratch, f"db{i}")
        os.mkdir(db)
        subprocess.run([bin_python, demo, os.path.abspath(schema), db], check=True, cwd=scratch, env=env)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    wheel, schema, pythons = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3:]
    passed = failed = 0
    for python in pythons:
        print(f"== the wheel on {python}", flush=True)
        with tempfile.TemporaryDirectory() as scratch:
            try:
                check(wheel, schema, python, scratch)
                passed += 1
            except subprocess.CalledProcessError as err:
                print(f"FAILED on {python}: {err}", flush=True)
                failed += 1
    print(f"check_wheel: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
