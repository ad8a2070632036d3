"""measure.py OUT COMMAND...: runs COMMAND with its stdout (and stderr) in OUT, prints "<wall seconds> <peak RSS MiB>".

The peak RSS is the command's own (wait4's ru_maxrss for that one process), so no GNU time is needed. Exits with the
command's exit code. SIGINT/SIGTERM are passed on to the command so a stopped benchmark stops it too.
"""
import os
import signal
import subprocess
import sys
import time

out_path, command = sys.argv[1], sys.argv[2:]
with open(out_path, "wb") as out:
    start = time.monotonic()
    child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda s, _f: child.send_signal(s))
    while True:
        try:
            _, status, usage = os.wait4(child.pid, 0)
            break
        except InterruptedError:
            continue
    elapsed = time.monotonic() - start
code = os.waitstatus_to_exitcode(status)
print(f"{elapsed:.3f} {usage.ru_maxrss / 1024:.1f}")
sys.exit(code)
