"""A stand-in llama-server for launch tests, run as ``python fake_server.py <llama-server argv>``.

Behaviour is chosen by the argv it gets, like the real one: ``--spec-type draft-mtp`` on a
model without ``<arch>.nextn_predict_layers`` exits with the "no MTP layers" line, on one with
them it logs the draft-mtp implementation and drafts; ``FAKE_SERVER`` in the environment picks a
failure mode (``never-healthy``, ``crash``, ``spawn``: start a grandchild that would outlive a
careless parent; ``mtp-crash``, ``mtp-hang``, ``mtp-no-draft``: the MTP path aborts, hangs or never
drafts during a completion; ``die-after:N``: exit after answering N completions; ``escape``: a
descendant that leaves the process group; ``list-answer``: /completion answers a JSON list).
``FAKE_SERVER_REQUESTS`` names a file that gets one JSON line per completion request.

Completions report ``timings.predicted_per_second`` from a fixed table per speculative setup, so
a benchmark over the fake has known figures: off 100, ngram-mod 150, draft-mtp 80 + 10 * n_max.
"""

from __future__ import annotations

import json
import os
import threading
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HELP = """\
--port PORT                             port to listen (default: 8080)
--host HOST                             ip address to listen (default: 127.0.0.1)
-c,    --ctx-size N                     size of the prompt context (default: 0)
-m,    --model FNAME                    model path to load
--parallel N                            number of server slots (default: -1)
--verbosity N                           set the verbosity threshold (default: 3)
--spec-type none,ngram-mod,draft-mtp    comma-separated list of types (default: none)
--spec-draft-n-max N                    number of tokens to draft (default: 3)
--spec-ngram-mod-n-min N                minimum number of ngram tokens (default: 48)
--spec-ngram-mod-n-max N                maximum number of ngram tokens (default: 64)
--spec-ngram-mod-n-match N              ngram-mod lookup length (default: 24)
--spec-default                          enable default speculative decoding config
"""


def _model_has_mtp(path: str) -> bool:
    from gguf import GGUFReader

    fields = GGUFReader(path).fields
    arch = fields["general.architecture"].contents()
    layers = fields.get(f"{arch}.nextn_predict_layers")
    return bool(layers and layers.contents())


def _decode_speed(types: list[str], n_max: int) -> float:
    if "draft-mtp" in types:
        return 80.0 + 10.0 * n_max
    return 150.0 if "ngram-mod" in types else 100.0


def _escape() -> None:
    """A descendant that leaves the process group (setsid + double fork on Linux) and keeps running.

    Its pid and working directory go to ``HOSTILE_PID_FILE`` / ``HOSTILE_CWD_FILE``.
    """
    code = ("import os, sys, time\n"
            "open(os.environ['HOSTILE_CWD_FILE'], 'w').write(os.getcwd())\n"
            "open(os.environ['HOSTILE_PID_FILE'] + '.tmp', 'w').write(str(os.getpid()))\n"
            "os.replace(os.environ['HOSTILE_PID_FILE'] + '.tmp', os.environ['HOSTILE_PID_FILE'])\n"
            "while True:\n    time.sleep(0.05)\n")
    if sys.platform == "win32":
        subprocess.Popen([sys.executable, "-c", code],
                         creationflags=subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS)
    elif os.fork() == 0:
        if sys.platform.startswith("linux"):
            os.setsid()
            if os.fork() != 0:
                os._exit(0)
        os.execv(sys.executable, [sys.executable, "-c", code])
    while not os.path.exists(os.environ["HOSTILE_PID_FILE"]):
        time.sleep(0.01)


def main() -> int:
    argv = sys.argv[1:]
    if "--help" in argv:
        sys.stdout.write(HELP)
        return 0
    if "--version" in argv:
        sys.stderr.write("version: 0.6.0-dev (build 11434, commit fake)\n")
        return 0
    mode = os.environ.get("FAKE_SERVER", "")
    spec = argv[argv.index("--spec-type") + 1] if "--spec-type" in argv else ""
    print(f"fake server argv: {' '.join(argv)}", flush=True)
    model = argv[argv.index("-m") + 1] if "-m" in argv else ""
    if not os.path.isfile(model):  # as the real one: the path is opened from the server's own directory
        print(f"E gguf_init_from_file: failed to open GGUF file '{model}'", flush=True)
        print("E main: exiting due to model loading error", flush=True)
        return 1
    types = [t for t in spec.split(",") if t]
    n_max = int(argv[argv.index("--spec-draft-n-max") + 1]) if "--spec-draft-n-max" in argv else 3
    mtp = "draft-mtp" in types
    if mtp and not _model_has_mtp(model):
        print("W llama_init_from_model: context type MTP requested but model doesn't contain MTP layers", flush=True)
        return 1
    die_after = int(mode.split(":", 1)[1]) if mode.startswith("die-after:") else None
    answered = [0]
    if mode == "crash":
        print("E something went wrong before listening", flush=True)
        return 3
    if mode == "spawn":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
        with open(os.environ["FAKE_SERVER_CHILD_PID"], "w") as f:
            f.write(str(child.pid))
    if mode == "escape":
        _escape()
    for kind in types:
        print(f"I spec common_specu: adding speculative implementation '{kind}'", flush=True)
    ready_at = time.monotonic() + 0.3
    never = mode in ("never-healthy", "spawn", "escape")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _json(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            healthy = not never and time.monotonic() >= ready_at
            self._json(200 if healthy else 503, {"status": "ok" if healthy else "loading model"})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            record = os.environ.get("FAKE_SERVER_REQUESTS")
            if record:  # one JSON line per completion request, for tests of what was asked and in what order
                with open(record, "a", encoding="utf-8") as f:
                    f.write(json.dumps({"pid": os.getpid(), "argv": argv, **body}) + "\n")
            if mtp and mode == "mtp-crash":
                print("/src/llama-context.cpp:1234: GGML_ASSERT(n_outputs > 0) failed", flush=True)
                os._exit(134)
            if mtp and mode == "mtp-hang":
                threading.Event().wait()
            predicted = int(body.get("n_predict", 32))
            speed = _decode_speed(types, n_max)
            timings = {"predicted_n": predicted, "prompt_n": 44, "predicted_per_second": speed,
                       "predicted_ms": predicted * 1000.0 / speed}
            if mtp:
                drafted = 0 if mode == "mtp-no-draft" else 24
                timings.update(draft_n=drafted, draft_n_accepted=drafted // 8)
                print(f"T spec print_stats: statistics        draft-mtp: #calls(b,g,a) = 1 12 12, #gen drafts = 12, "
                      f"#acc drafts = 2, #gen tokens = {drafted}, #acc tokens = {drafted // 8}", flush=True)
            elif spec:
                timings.update(draft_n=30, draft_n_accepted=30)
            if mode == "list-answer":
                self._json(200, [{"content": "a JSON list, not an object"}])
                return
            self._json(200, {"content": " four five six", "timings": timings})
            answered[0] += 1
            if die_after is not None and answered[0] >= die_after:
                print("E fake server: \x1b[31mdying\x1b[0m as asked", flush=True)  # a colour code, as real logs have
                os._exit(139)

    port = int(argv[argv.index("--port") + 1])
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
