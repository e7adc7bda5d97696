"""A stand-in llama-server for launch tests, run as ``python fake_server.py <llama-server argv>``.

Behaviour is chosen by the argv it gets, like the real one: ``--spec-type draft-mtp`` exits
with the "no MTP layers" line; ``FAKE_SERVER`` in the environment picks a failure mode
(``never-healthy``, ``crash``, ``spawn``: start a grandchild that would outlive a careless parent,
``escape``: one that leaves the process group, ``list-answer``: /completion answers a JSON list).
"""

from __future__ import annotations

import json
import os
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
    if "draft-mtp" in spec:
        print("W llama_init_from_model: context type MTP requested but model doesn't contain MTP layers", flush=True)
        return 1
    if mode == "crash":
        print("E something went wrong before listening", flush=True)
        return 3
    if mode == "spawn":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
        with open(os.environ["FAKE_SERVER_CHILD_PID"], "w") as f:
            f.write(str(child.pid))
    if mode == "escape":
        _escape()
    if spec:
        print(f"I spec common_specu: adding speculative implementation '{spec}'", flush=True)
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
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            timings = {"predicted_n": 32, "prompt_n": 44}
            if spec:
                timings.update(draft_n=30, draft_n_accepted=30)
            if mode == "list-answer":
                self._json(200, [{"content": "a JSON list, not an object"}])
                return
            self._json(200, {"content": " four five six", "timings": timings})

    port = int(argv[argv.index("--port") + 1])
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
