#!/usr/bin/python3
"""promtool unit-test series from real qmail-pem verify textfiles.

    promseries.py INSTANCE=FILE.prom ...

prints the input_series of a `promtool test rules` test: every sample of
each textfile as a series with instance="INSTANCE" and job="node" added, one
value a minute for 40 minutes.  promtool's clock starts at 0, so times are
made relative to the run: qmail_pem_verify_timestamp_seconds is 0 at 0m and
grows with the clock (a metrics job that keeps running), and a certificate's
notBefore and notAfter keep their distance from the run (a notAfter 364 days
after the run is 364 days after 0).
"""
import json
import re
import sys

SAMPLE = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)",?')
RELATIVE = ("qmail_pem_cert_not_after_seconds", "qmail_pem_cert_not_before_seconds")


def series(instance, path):
    samples = []
    stamp = None
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            m = SAMPLE.match(line.rstrip("\n"))
            if not m:
                sys.exit("%s: not a sample: %r" % (path, line))
            name, labels, value = m.group(1), m.group(2) or "", m.group(3)
            if name == "qmail_pem_verify_timestamp_seconds":
                stamp = int(value)
            samples.append((name, LABEL.findall(labels), value))
    if stamp is None:
        sys.exit("%s: no qmail_pem_verify_timestamp_seconds" % path)
    for name, labels, value in samples:
        labels = [("instance", instance), ("job", "node")] + labels
        sel = "%s{%s}" % (name, ",".join('%s="%s"' % kv for kv in labels))
        if name == "qmail_pem_verify_timestamp_seconds":
            values = "0+60x40"
        elif name in RELATIVE:
            values = "%dx40" % (int(value) - stamp)
        else:
            values = "%sx40" % value
        print("      - series: %s\n        values: %s" %
              (json.dumps(sel), json.dumps(values)))


for arg in sys.argv[1:]:
    instance, _, path = arg.partition("=")
    series(instance, path)
