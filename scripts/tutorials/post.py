#!/usr/bin/env python3
"""Merge consecutive gradlab cells into one block; mark cells nocheck by regex."""
import re, sys, argparse
ap = argparse.ArgumentParser()
ap.add_argument("file")
ap.add_argument("--nocheck", action="append", default=[])
ap.add_argument("--header", default=None)
a = ap.parse_args()
lines = open(a.file, encoding="utf-8").read().split("\n")
items = []  # ("prose", [lines]) or ("cell", flags, cmd, [outlines])
i = 0
header = None
prose = []
while i < len(lines):
    l = lines[i]
    if l.startswith("<!-- gradlab:"):
        header = l; i += 1; continue
    if l.startswith("```gradlab"):
        if any(x.strip() for x in prose): items.append(("prose", prose))
        prose = []
        flags = l[len("```gradlab"):].strip()
        i += 1
        cur = None
        while not lines[i].startswith("```"):
            if lines[i].startswith("> "):
                if cur: items.append(cur)
                cur = ["cell", flags, lines[i][2:], []]
            else:
                cur[3].append(lines[i])
            i += 1
        if cur: items.append(cur)
        i += 1
        continue
    prose.append(l); i += 1
if any(x.strip() for x in prose): items.append(("prose", prose))
counts = {}
def hit(p, cmd):
    m = re.match(r"^(.*)#(\d+)$", p)
    if m:
        if re.search(m.group(1), cmd):
            counts[p] = counts.get(p, 0) + 1
            return counts[p] == int(m.group(2))
        return False
    return re.search(p, cmd) is not None
for it in items:
    if it[0] == "cell" and any([hit(p, it[2]) for p in a.nocheck]):
        fl = it[1].split()
        if "nocheck" not in fl: fl.insert(0, "nocheck")
        it[1] = " ".join(fl)
out = [a.header or header]
prev = None
for it in items:
    if it[0] == "prose":
        if prev == "cell": out.append("```")
        p = it[1]
        while p and not p[0].strip(): p = p[1:]
        while p and not p[-1].strip(): p = p[:-1]
        q = []
        for k, line in enumerate(p):
            if line.startswith("#") and q and q[-1].strip():
                q.append("")
            q.append(line)
            if line.startswith("#") and k + 1 < len(p) and p[k + 1].strip():
                q.append("")
        out.append(""); out.extend(q); prev = "prose"; prevflags = None
        continue
    _, flags, cmd, outl = it
    while outl and not outl[-1].strip(): outl = outl[:-1]
    if prev == "cell" and flags == prevflags:
        pass
    else:
        if prev == "cell": out.append("```")
        out.append(""); out.append("```gradlab" + (" " + flags if flags else ""))
    out.append("> " + cmd); out.extend(outl)
    prev = "cell"; prevflags = flags
if prev == "cell": out.append("```")
open(a.file, "w", encoding="utf-8").write("\n".join(out) + "\n")
