#!/usr/bin/env python3
"""SQLite FTS5 as a peer of `storyline bench --peers`: index build and search latency.

Reads the stories the bench wrote (JSON Lines: id, title, summary, ...) and the bench's query
set (one 1-3 word query per line), then, all in this one process like the bench's own figures:

- build (timed): CREATE VIRTUAL TABLE ... USING fts5(id UNINDEXED, title, summary,
  tokenize='porter unicode61 remove_diacritics 2') in an on-disk database, insert every story
  in one transaction, commit. Parsing the JSON Lines is not timed (the bench times Storyline's
  build from stories already in memory too).
- search (timed per query, p50/p99): the top 10 by bm25 (title weighted 2, like Storyline's
  title boost) with the highlighted title and a summary snippet, the equivalent of Storyline's
  top-10 hits; every word is required and the last one also matches as a prefix, as in
  Storyline's search box. Storyline also counts the total of matches; this does not.

Prints one JSON object on standard output. Needs python3 with sqlite3 built with FTS5 (the
standard CPython build has it); exits 3 with the reason on standard error when FTS5 is missing.
Run: python3 benches/peers/fts5_search.py --stories S.jsonl --queries Q.txt [--work DIR]
"""

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time


def percentile(sorted_values, p):
    """Nearest rank, as the bench: the value at round((n - 1) * p)."""
    if not sorted_values:
        return 0.0
    return sorted_values[int(round((len(sorted_values) - 1) * p))]


def fts5_query(words):
    """Every word required (quoted, so no word is read as an operator); the last as a prefix."""
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", required=True, help="the stories, JSON Lines")
    parser.add_argument("--queries", required=True, help="the queries, one per line")
    parser.add_argument("--work", help="folder for the database (default: a temporary one)")
    args = parser.parse_args()

    try:
        sqlite3.connect(":memory:").execute("create virtual table t using fts5(x)")
    except sqlite3.OperationalError as error:
        print(f"this python's sqlite3 has no FTS5: {error}", file=sys.stderr)
        return 3

    rows = []
    with open(args.stories, encoding="utf-8") as f:
        for line in f:
            story = json.loads(line)
            rows.append((story["id"], story["title"], story.get("summary", "")))
    with open(args.queries, encoding="utf-8") as f:
        queries = [q.split() for q in f.read().splitlines() if q.strip()]

    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        db = os.path.join(tmp, "fts5.db")
        conn = sqlite3.connect(db)
        started = time.perf_counter()
        conn.execute(
            "CREATE VIRTUAL TABLE stories USING fts5(id UNINDEXED, title, summary, "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        conn.executemany("INSERT INTO stories(id, title, summary) VALUES (?, ?, ?)", rows)
        conn.commit()
        build_s = time.perf_counter() - started

        sql = (
            "SELECT id, highlight(stories, 1, '<b>', '</b>'), "
            "snippet(stories, 2, '<b>', '</b>', '…', 24) "
            "FROM stories WHERE stories MATCH ? ORDER BY bm25(stories, 0.0, 2.0, 1.0) LIMIT 10"
        )
        times = []
        empty = 0
        hits = 0
        for words in queries:
            q = fts5_query(words)
            started = time.perf_counter()
            found = conn.execute(sql, (q,)).fetchall()
            times.append((time.perf_counter() - started) * 1000.0)
            hits += len(found)
            empty += not found
        conn.close()
        size = os.path.getsize(db)

    times.sort()
    print(
        json.dumps(
            {
                "peer": "sqlite-fts5",
                "sqlite_version": sqlite3.sqlite_version,
                "stories": len(rows),
                "build_s": build_s,
                "db_mib": size / (1 << 20),
                "queries": len(times),
                "p50_ms": percentile(times, 0.5),
                "p99_ms": percentile(times, 0.99),
                "avg_hits": hits / max(len(times), 1),
                "empty_queries": empty,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
