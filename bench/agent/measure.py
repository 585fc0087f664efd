#!/usr/bin/env python3
"""Runs a command and writes its user and system CPU seconds, peak RSS and wall seconds.

    measure.py RESULT.json command [args...]

The figures come from wait4(2) on the child, so every program measured this way is
measured the same way (peak RSS is the largest of the process and its waited-for
children). The command's stdin, stdout and stderr are inherited; the exit status is
passed on.
"""
import json
import os
import subprocess
import sys
import time


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    result_path, argv = sys.argv[1], sys.argv[2:]
    start = time.monotonic()
    child = subprocess.Popen(argv)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    with open(result_path, "w") as f:
        json.dump({"rc": child.returncode, "wall_s": wall, "user_s": usage.ru_utime,
                   "sys_s": usage.ru_stime, "max_rss_kb": usage.ru_maxrss}, f)
    return child.returncode if child.returncode >= 0 else 128 - child.returncode


if __name__ == "__main__":
    sys.exit(main())
