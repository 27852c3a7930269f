#!/usr/bin/env python3
"""Bytes allocated per call by each gateway of a GatewayOverhead run, from the gateways' GC logs.

usage: alloc-per-call.py DIR [DURATION_S]; DIR holds out.txt (the harness output, every line prefixed with its UTC
time HH:MM:SS.mmm, e.g. piped through a one-line timestamper) and gc-PID.log (each gateway run with
-Xlog:gc*:file=DIR/gc-%p.log:utctime). For each gateway run (the window = the run line's time minus the run's duration,
shrunk by 0.5 s at the start and 0.3 s at the end): eden consumed between the first and the last young GC in the window
(the sum of eden-before of every later GC, as eden is empty after each) / (req/s * time between those GCs)."""
import re, sys, glob, datetime, os, statistics
d = sys.argv[1]; dur = float(sys.argv[2]) if len(sys.argv) > 2 else 10
out = open(os.path.join(d, 'out.txt')).read().splitlines()
pids = {}
for l in out:
    m = re.search(r'gateway (\S+) pid (\d+):', l)
    if m: pids[m.group(1)] = m.group(2)
def t(s):  # HH:MM:SS.mmm today
    h, m_, rest = s.split(':'); return int(h) * 3600 + int(m_) * 60 + float(rest)
gcs = {}
for name, pid in pids.items():
    ev = []; cur = {}
    for l in open(os.path.join(d, f'gc-{pid}.log')):
        m = re.match(r'\[\d+-\d+-\d+T(\d+:\d+:[\d.]+)\+0000\] GC\((\d+)\) (.*)', l)
        if not m: continue
        ts, n, rest = t(m.group(1)), int(m.group(2)), m.group(3)
        e = re.search(r'Eden: (\d+)K\(\d+K\)->(\d+)K', rest)
        if e: cur[n] = [ts, int(e.group(1)) * 1024, None]
        p = re.search(r'Pause Young .* ([\d.]+)ms$', rest)
        if p and n in cur: cur[n][2] = float(p.group(1)); cur[n][0] = ts
    gcs[name] = sorted(cur.values())
rows = {}
for l in out:
    m = re.match(r'(\d+:\d+:[\d.]+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\d+)\s', l)
    if not m or m.group(4) not in pids: continue
    end = t(m.group(1)); name = m.group(4); rps = float(m.group(5))
    w = [g for g in gcs[name] if end - dur + 0.5 <= g[0] <= end - 0.3]
    if len(w) < 3: print(name, 'round', m.group(3), 'too few GCs', len(w)); continue
    span = w[-1][0] - w[0][0]; alloc = sum(g[1] for g in w[1:])
    calls = rps * span
    per = alloc / calls
    pauses = [g[2] for g in w]
    rows.setdefault(name, []).append((per, 1e4 / (rps * span / (len(w) - 1)), statistics.mean(pauses), rps))
    print(f'{name:6} conns {m.group(2)} round {m.group(3)} rps {rps:6.0f} GCs {len(w):3d} over {span:5.2f}s  '
          f'{per/1024:6.1f} KB/call  young GCs per 10k calls {1e4/(rps*span/(len(w)-1)):5.2f}  mean pause {statistics.mean(pauses):.2f} ms  max {max(pauses):.2f}')
for name, r in rows.items():
    print(f'SUMMARY {name}: KB/call median {statistics.median(x[0] for x in r)/1024:.1f} (rounds: {" ".join(f"{x[0]/1024:.1f}" for x in r)}), '
          f'GCs/10k calls median {statistics.median(x[1] for x in r):.2f}, mean pause median {statistics.median(x[2] for x in r):.2f} ms')
