#!/usr/bin/env python3
"""tests/layout.py SRCDIR [OBJDIR]: the measurable part of src/README.md.

Checks, and prints one line per violation (exit 1 when there is any):
  - every #include "..." of a file under src/ names a header of the file's
    own layer or of a layer below it, in the order of the list between
    <!-- layers --> and <!-- /layers --> in src/README.md (perms.* are
    fs/, x509gen.* are x509/, qmail-pem.c is the top);
  - no include circle between files, and no circle between modules (a
    module is a .c and its .h: x.c including y.h and y.c including x.h);
  - with OBJDIR (the qpcore objects), calls only point down the layers as
    includes do, and no call circle between modules: one object using a
    symbol another defines, read with nm;
  - no .c file over 600 lines, no function over 80 lines (from the line
    with its name to its closing brace, style(9) layout).
"""
import os
import re
import subprocess
import sys

MAX_FILE = 600
MAX_FUNCTION = 80


def layers(srcdir):
    text = open(os.path.join(srcdir, 'README.md')).read()
    m = re.search(r'<!-- layers -->\n(.*?)<!-- /layers -->', text, re.S)
    if not m:
        sys.exit('src/README.md: no <!-- layers --> list')
    order = []
    for line in m.group(1).split('\n'):
        w = re.match(r'^    (\S+)', line)
        if w:
            order.append(w.group(1).rstrip('/'))
    return order


def layer_of(rel):
    if '/' in rel:
        return rel.split('/')[0]
    base = os.path.splitext(rel)[0]
    return {'perms': 'fs', 'x509gen': 'x509'}.get(base, rel)


def sources(srcdir):
    out = []
    for root, _, files in os.walk(srcdir):
        for f in files:
            if f.endswith(('.c', '.h')):
                out.append(os.path.relpath(os.path.join(root, f), srcdir))
    return sorted(out)


def includes(srcdir, rel):
    inc = []
    for n, line in enumerate(open(os.path.join(srcdir, rel)), 1):
        m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
        if m:
            inc.append((n, m.group(1)))
    return inc


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


def functions(path):
    lines = open(path, errors='replace').read().split('\n')
    depth, start, name = 0, None, None
    for i, line in enumerate(lines):
        s = re.sub(r'"([^"\\]|\\.)*"', '""', line)
        s = re.sub(r"'([^'\\]|\\.)*'", "''", s)
        if depth == 0 and s.startswith('{') and i > 0:
            j = i - 1
            while j > i - 6 and j >= 0 and \
                    not re.match(r'^[A-Za-z_]\w*\(', lines[j]):
                j -= 1
            m = re.match(r'^([A-Za-z_]\w*)\(', lines[j]) if j >= 0 else None
            name = m.group(1) if m else None
            start = j if m else i
        depth += s.count('{') - s.count('}')
        if depth == 0 and start is not None and '}' in s:
            if name:
                yield name, start + 1, i - start + 1
            start = None


def call_graph(objdir, srcdir):
    """module -> modules whose symbols it uses, from nm of the objects."""
    defined, used = {}, {}
    for root, _, files in os.walk(objdir):
        for f in files:
            if not f.endswith('.c.o'):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, objdir)
            # CMake: <objdir>/src/base/err.c.o or <objdir>/base/err.c.o
            rel = rel[len('src/'):] if rel.startswith('src/') else rel
            mod = rel[:-len('.c.o')]
            if not os.path.exists(os.path.join(srcdir, mod + '.c')):
                continue        # left from a source since removed
            out = subprocess.run(['nm', path], capture_output=True,
                                 text=True, check=True).stdout
            for line in out.split('\n'):
                p = line.split()
                if len(p) == 3 and p[1] in 'TDBR':
                    defined[p[2]] = mod
                elif len(p) == 2 and p[0] == 'U':
                    used.setdefault(mod, set()).add(p[1])
    graph = {}
    for mod, syms in used.items():
        for s in syms:
            d = defined.get(s)
            if d is not None and d != mod:
                graph.setdefault(mod, set()).add(d)
    return graph


def main():
    srcdir = sys.argv[1]
    objdir = sys.argv[2] if len(sys.argv) > 2 else None
    order = layers(srcdir)
    rank = {name: i for i, name in enumerate(order)}
    bad = []
    files = sources(srcdir)
    file_graph, module_graph = {}, {}
    for rel in files:
        mine = layer_of(rel)
        if mine not in rank:
            bad.append('%s: its folder is not a layer in src/README.md'
                       % rel)
            continue
        mod = os.path.splitext(rel)[0]
        for n, inc in includes(srcdir, rel):
            if inc not in files:
                bad.append('%s:%d: #include "%s" is not a file under src/'
                           % (rel, n, inc))
                continue
            theirs = layer_of(inc)
            if rank.get(theirs, -1) < rank[mine]:
                bad.append('%s:%d: #include "%s" points up: %s is above %s'
                           % (rel, n, inc, theirs, mine))
            file_graph.setdefault(rel, set()).add(inc)
            imod = os.path.splitext(inc)[0]
            if imod != mod:
                module_graph.setdefault(mod, set()).add(imod)
    for comp in cycles(file_graph):
        bad.append('include circle between files: ' + ', '.join(comp))
    for comp in cycles(module_graph):
        bad.append('include circle between modules: ' + ', '.join(comp))
    if objdir:
        calls = call_graph(objdir, srcdir)
        if not calls:
            bad.append('%s: no qpcore objects to read' % objdir)
        for mod in sorted(calls):
            for callee in sorted(calls[mod]):
                a, b = layer_of(mod + '.c'), layer_of(callee + '.c')
                if a in rank and rank.get(b, -1) < rank[a]:
                    bad.append('%s.c calls %s.c: %s is above %s'
                               % (mod, callee, b, a))
        for comp in cycles(calls):
            bad.append('call circle between modules: ' + ', '.join(comp))
    for rel in files:
        path = os.path.join(srcdir, rel)
        if rel.endswith('.c'):
            n = sum(1 for _ in open(path))
            if n > MAX_FILE:
                bad.append('%s: %d lines, more than %d' % (rel, n, MAX_FILE))
            for name, line, length in functions(path):
                if length > MAX_FUNCTION:
                    bad.append('%s:%d: %s() is %d lines, more than %d'
                               % (rel, line, name, length, MAX_FUNCTION))
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
