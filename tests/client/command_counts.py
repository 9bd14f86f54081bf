"""Prints how many POST /api/v1/commands a running server answered 2xx (accepted) and 4xx
(refused), from its Prometheus counters (`tranche_http_requests_total`).
Usage: python3 command_counts.py URL"""

import re
import sys
import urllib.request

text = urllib.request.urlopen(f"{sys.argv[1]}/metrics", timeout=10).read().decode()
counts = {"2": 0, "4": 0, "5": 0}
by_status = {}
pattern = re.compile(r'^tranche_http_requests_total\{(?P<labels>[^}]*)\} (?P<n>[0-9.e+]+)$')
for line in text.splitlines():
    match = pattern.match(line)
    if not match:
        continue
    labels = dict(re.findall(r'(\w+)="([^"]*)"', match["labels"]))
    if labels.get("method") == "POST" and labels.get("route") == "/api/v1/commands":
        n = int(float(match["n"]))
        counts[labels["status"][0]] = counts.get(labels["status"][0], 0) + n
        by_status[labels["status"]] = by_status.get(labels["status"], 0) + n
total = sum(counts.values())
print(f"POST /api/v1/commands: {total} sent, {counts['2']} accepted (2xx), {counts['4']} refused (4xx), "
      f"{counts['5']} failed (5xx); by status: {', '.join(f'{k}: {v}' for k, v in sorted(by_status.items()))}")
