#!/usr/bin/env python3
"""The plans of the article list queries, from the statements the server really ran.

  explain.py POSTGRES_LOG --offset N --sql OUT.sql
      reads the PostgreSQL log from byte N (written with log_min_duration_statement = 0 while
      bench/run made one request of each kind, each after a `SELECT 'bench-explain:<kind>'`
      marker) and writes a psql script that re-runs every statement on `articles` of each
      request with its logged parameters: PREPARE, then EXPLAIN (ANALYZE, BUFFERS) EXECUTE with
      the custom plan PostgreSQL makes for the first executions, and with the generic plan a
      prepared statement may switch to after five.
  explain.py --summarize EXPLAIN.txt
      one line per statement: which scan (index, bitmap, sequential) it uses on which table.
"""

import argparse
import re
import sys

# `2026-11-24 18:40:00.123 UTC [12345] LOG:  duration: 0.050 ms  execute <name>: SELECT ...`
ENTRY = re.compile(r"^\S+ \S+ \S+ \[(\d+)\] (LOG|DETAIL|ERROR|STATEMENT|HINT|CONTEXT):  (.*)$")
EXECUTE = re.compile(r"^duration: [\d.]+ ms  execute ([^:]+): (.*)$")
PARSE = re.compile(r"^duration: [\d.]+ ms  parse ([^:]+): ")
STATEMENT = re.compile(r"^duration: [\d.]+ ms  statement: (.*)$")
MARKER = re.compile(r"SELECT 'bench-explain:([a-z_0-9]+)'")
PARAM = re.compile(r"\$(\d+) = ('(?:[^']|'')*'|NULL)")


def read_entries(path, offset):
    """(pid, level, text) of each log entry; continuation lines (tab-indented) are joined."""
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read().decode("utf-8", "replace")
    entries = []
    for line in data.splitlines():
        m = ENTRY.match(line)
        if m:
            entries.append([m.group(1), m.group(2), m.group(3)])
        elif entries and line.startswith("\t"):
            entries[-1][2] += "\n" + line[1:]
    return entries


def label_of(sql):
    up = sql.upper()
    if "COUNT(*)" in up:
        return "count (meta.total)"
    if "ORDER BY" in up and "LIMIT" in up:
        return "page (limit + 1 rows)"
    return "other"


def capture(path, offset):
    entries = read_entries(path, offset)
    kind = None
    found = []  # (kind, label, sql, params, parsed for this request)
    pending = {}  # pid -> index in found awaiting its DETAIL
    parsed = set()  # (pid, statement name) parsed since the last marker
    for pid, level, text in entries:
        if level == "LOG":
            m = STATEMENT.match(text)
            if m:
                mk = MARKER.search(m.group(1))
                if mk:
                    kind = None if mk.group(1) == "end" else mk.group(1)
                    parsed = set()
                continue
            m = PARSE.match(text)
            if m:
                parsed.add((pid, m.group(1)))
                continue
            m = EXECUTE.match(text)
            if m and kind:
                sql = m.group(2)
                on_articles = '"articles"' in sql or re.search(r"\bFROM articles\b", sql)
                if on_articles and "FROM" in sql.upper() and "min(" not in sql.lower():
                    label = label_of(sql)
                    if label != "other":
                        found.append([kind, label, sql, [], (pid, m.group(1)) in parsed])
                        pending[pid] = len(found) - 1
                        continue
            pending.pop(pid, None)
        elif level == "DETAIL" and pid in pending and text.startswith("parameters:"):
            params = sorted((int(n), v) for n, v in PARAM.findall(text))
            found[pending.pop(pid)][3] = [v for _, v in params]
    return found


def write_sql(found, out):
    lines = ["\\set ON_ERROR_STOP off", "\\pset pager off", ""]
    if not found:
        lines.append("\\echo 'No list statement was captured from the log.'")
    for i, (kind, label, sql, params, fresh) in enumerate(found, 1):
        name = f"bench_q{i}"
        args = f"({', '.join(params)})" if params else ""
        how = ("prepared for this request (a Parse each time, so PostgreSQL plans it with these "
               "values: the custom plan below is the one it ran)" if fresh else
               "a statement the connection had prepared before (after 5 runs PostgreSQL may "
               "keep the generic plan below)")
        lines += [
            "\\echo ''",
            f"\\echo '=== {kind}: {label} ==='",
            f"\\echo '-- statement:' {quote_echo(sql)}",
            f"\\echo '-- parameters:' {quote_echo(', '.join(params) or '(none)')}",
            f"\\echo '-- prepared:' {quote_echo(how)}",
            f"PREPARE {name} AS {sql};",
            "\\echo '-- custom plan (the first executions of a prepared statement):'",
            "SET plan_cache_mode = force_custom_plan;",
            f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE {name}{args};",
            "\\echo '-- generic plan (what a prepared statement may switch to after 5 runs):'",
            "SET plan_cache_mode = force_generic_plan;",
            f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE {name}{args};",
            "RESET plan_cache_mode;",
            f"DEALLOCATE {name};",
        ]
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def quote_echo(s):
    # psql: inside single quotes, '' is a quote and a backslash starts an escape.
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


SCAN = re.compile(r"(Index Only Scan(?: Backward)? using \S+ on \S+|Index Scan(?: Backward)? using "
                  r"\S+ on \S+|Bitmap Index Scan on \S+|Seq Scan on \S+)")


def summarize(path):
    text = open(path).read()
    section = None
    plan = None
    out = []
    scans = []

    def flush():
        if section and scans:
            out.append(f"{section} [{plan}]: " + "; ".join(dict.fromkeys(scans)))

    for line in text.splitlines():
        m = re.match(r"^=== (.*) ===$", line.strip())
        if m:
            flush()
            section, plan, scans = m.group(1), None, []
            continue
        if line.startswith("-- custom plan"):
            flush()
            plan, scans = "custom", []
            continue
        if line.startswith("-- generic plan"):
            flush()
            plan, scans = "generic", []
            continue
        if line.startswith("-- hand-written"):
            flush()
            plan, scans = "hand-written", []
            continue
        for s in SCAN.findall(line):
            scans.append(s)
        t = re.search(r"Execution Time: ([\d.]+) ms", line)
        if t and scans is not None:
            scans.append(f"{t.group(1)} ms")
    flush()
    print("\n".join(out) if out else "(no plan found)")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path")
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--sql")
    p.add_argument("--summarize", action="store_true")
    a = p.parse_args()
    if a.summarize:
        summarize(a.path)
        return
    found = capture(a.path, a.offset)
    write_sql(found, a.sql)
    kinds = sorted({f[0] for f in found})
    sys.stderr.write(f"explain: captured {len(found)} statements ({', '.join(kinds)})\n")


if __name__ == "__main__":
    main()
