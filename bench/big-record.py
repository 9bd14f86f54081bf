#!/usr/bin/env python3
"""Writes a synthetic public record of 999,918 pledge rows (with the demo's 82 events, a store of
1,000,000 events) for the cold-read and large-import figures in docs/PERFORMANCE.md.

    python3 bench/big-record.py /tmp/big.csv
    target/release/tranche --database /tmp/big.db demo --no-serve
    /usr/bin/time -v target/release/tranche --database /tmp/big.db import record /tmp/big.csv
"""
import random
import sys

PARTIES = ["NLD", "DEU", "NOR", "SWE", "DNK", "CAN", "POL", "GBR", "BEL", "FIN"]
CURRENCIES = ["EUR", "USD", "NOK", "GBP"]


def main(path: str, rows: int = 999_918) -> None:
    random.seed(1)
    with open(path, "w") as out:
        out.write("record_id,date,kind,parties,amount,currency,package,supersedes,confidence,status,note,source_url\n")
        for i in range(rows):
            day = f"2025-{(i % 12) + 1:02d}-{1 + i % 28:02d}"
            amount = random.randint(1, 10**6)
            out.write(f"B{i},{day},pledge,{PARTIES[i % 10]},{amount},{CURRENCIES[i % 4]},,,reported,announced,,\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/big.csv")
