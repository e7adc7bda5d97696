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
