#!/usr/bin/env python3
"""syslog_listen.py SOCKET OUT: a stand-in for a syslog daemon.

Binds an AF_UNIX datagram socket at SOCKET (mode 0666, as /dev/log is),
writes "ready" to OUT.ready, then appends each datagram it receives to OUT
as one line (bytes as received, a trailing NUL or newline dropped), until
killed or for at most 300 s.
"""
import os
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
s.settimeout(1.0)
with open(out + ".ready", "w") as f:
    f.write("ready\n")
end = time.time() + 300
with open(out, "ab", buffering=0) as f:
    while time.time() < end:
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        f.write(data.rstrip(b"\0\n") + b"\n")
