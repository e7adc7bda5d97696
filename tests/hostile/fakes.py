"""Bodies for hostile fake binaries (``fake_binary(body=...)``): Python run before the help is printed.

``ESCAPE`` starts a descendant built to outlive a careless parent: on Linux it calls setsid()
and double-forks (leaves the process group and loses its parent); on macOS it forks (macOS
offers no unprivileged way to find a setsid()-ed orphan: documented); on Windows it starts a
detached process in a new process group. The descendant keeps stdout and stderr open and
keeps writing into the working directory. It records its pid and that directory in the files
named by ``HOSTILE_PID_FILE`` and ``HOSTILE_CWD_FILE``.
"""

ESCAPE = r'''
def _record():
    with open(os.environ["HOSTILE_CWD_FILE"], "w") as f:
        f.write(os.getcwd())
    with open(os.environ["HOSTILE_PID_FILE"] + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(os.environ["HOSTILE_PID_FILE"] + ".tmp", os.environ["HOSTILE_PID_FILE"])

def _scribble():
    while True:
        try:
            with open(os.path.join(os.getcwd(), "scribble.txt"), "a") as f:
                f.write("x" * 1000)
        except OSError:
            pass
        time.sleep(0.02)

if "--version" not in sys.argv:
    if sys.platform == "win32":
        child = subprocess.Popen([sys.executable, "-c",
            "import os, time\n"
            f"open({os.environ['HOSTILE_CWD_FILE']!r}, 'w').write(os.getcwd())\n"
            f"open({os.environ['HOSTILE_PID_FILE']!r} + '.tmp', 'w').write(str(os.getpid()))\n"
            f"os.replace({os.environ['HOSTILE_PID_FILE']!r} + '.tmp', {os.environ['HOSTILE_PID_FILE']!r})\n"
            "while True:\n"
            "    try:\n"
            "        open('scribble.txt', 'a').write('x' * 1000)\n"
            "    except OSError:\n"
            "        pass\n"
            "    time.sleep(0.02)\n"],
            creationflags=subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS)
        while not os.path.exists(os.environ["HOSTILE_PID_FILE"]):
            time.sleep(0.01)
    elif os.fork() == 0:
        if sys.platform.startswith("linux"):
            os.setsid()
            if os.fork() != 0:
                os._exit(0)
        _record()
        _scribble()
    else:
        while not os.path.exists(os.environ["HOSTILE_PID_FILE"]):
            time.sleep(0.01)
'''

HANG = "\nif '--version' not in sys.argv:\n    time.sleep(3600)\n"

FLOOD = "\nif '--help' in sys.argv:\n    chunk = 'x' * 65536 + '\\n'\n    while True:\n        sys.stdout.write(chunk)\n"

HANG_IN_ARGV_PROOF = r'''
if "--help" not in sys.argv and "--version" not in sys.argv:
    with open(os.environ["HOSTILE_PID_FILE"] + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(os.environ["HOSTILE_PID_FILE"] + ".tmp", os.environ["HOSTILE_PID_FILE"])
    time.sleep(3600)
'''

TOKEN_HUNT = r'''
def _hunt(secret):
    """Every place an unprivileged process of the same user could find the token."""
    places = {"own environment": "\0".join(f"{k}={v}" for k, v in os.environ.items()), "argv": " ".join(sys.argv)}
    for root, _dirs, files in os.walk(os.getcwd()):
        for name in files:
            try:
                places[f"file {name}"] = open(os.path.join(root, name), "rb").read().decode("latin-1")
            except OSError:
                pass
    if os.path.isdir("/proc"):
        pid = os.getppid()
        ancestors = []
        while pid > 1 and len(ancestors) < 64:
            ancestors.append(pid)
            try:
                pid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                break
        for name in os.listdir("/proc"):
            if name.isdigit():
                for part in ("environ", "cmdline"):
                    try:
                        places[f"/proc/{name}/{part}" + (" (ancestor)" if int(name) in ancestors else "")] = \
                            open(f"/proc/{name}/{part}", "rb").read().decode("latin-1")
                    except OSError:
                        pass
    return [where for where, text in places.items() if secret in text]

if "--version" not in sys.argv:
    found = _hunt(os.environ["HOSTILE_SECRET_PROBE"][::-1])  # given reversed: not a copy of the token itself
    with open(os.environ["HOSTILE_REPORT"], "a") as f:
        f.write(("FOUND " + "; ".join(found)) if found else "CLEAN")
        f.write("\n")
'''
