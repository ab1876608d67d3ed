#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Asks a QEMU human monitor (-monitor unix:PATH,server,nowait) commands (separated by
';') and prints the answers; with --symbols SYSTEM_MAP, adds the kernel symbol of every RIP/PC it shows.
run-host.sh uses it to show where a stuck emulated host's CPUs are.
    qemu-monitor.py SOCKET 'COMMAND[; COMMAND...]' [--symbols SYSTEM_MAP]"""
import bisect
import re
import socket
import sys
import time


def ask(path, commands):
    """Sends each command in turn (';' between them) and returns all the answers."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    out = []
    data = b""
    try:
        while not data.endswith(b"(qemu) "):
            data += s.recv(65536)
        for command in commands.split(";"):
            s.sendall(command.strip().encode() + b"\n")
            data = b""
            end = time.monotonic() + 10
            while not data.endswith(b"(qemu) ") and time.monotonic() < end:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            text = data.decode(errors="replace").replace("\r", "")
            out += [l for l in text.split("\n") if l and not l.startswith("(qemu)")]
    except socket.timeout:
        pass
    s.close()
    return "\n".join(out).strip()


def symbolizer(path):
    addrs, names = [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                addrs.append(int(parts[0], 16))
                names.append(parts[2])
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    addrs = [addrs[i] for i in order]
    names = [names[i] for i in order]

    def lookup(a):
        i = bisect.bisect_right(addrs, a) - 1
        if i < 0 or a - addrs[i] > 0x100000:
            return None
        return "%s+%#x" % (names[i], a - addrs[i])
    return lookup


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = ask(sys.argv[1], sys.argv[2])
    if len(sys.argv) == 5 and sys.argv[3] == "--symbols":
        lookup = symbolizer(sys.argv[4])
        def add(m):
            sym = lookup(int(m.group(2), 16))
            return m.group(0) + (" <%s>" % sym if sym else "")
        out = re.sub(r"\b(RIP|PC|pc)[=:]\s*([0-9a-fA-Fx]+)", add, out)
    print(out)


if __name__ == "__main__":
    main()
