#!/usr/bin/env python3
"""Every superuser call of the addon says why it is safe, where it is made.

A call is `.sudo()` (not `.sudo(False)`, which drops the privilege),
`env(su=True)` or `with_user(SUPERUSER_ID)`. Its reason is a comment
starting with `# sudo:` on a line of the statement that holds the call, up
to the call's line, or in the comments right above that statement:

    # sudo: the gateway's lookup, by the sender's own address
    tickets = self.sudo().search(domain)

`make lint` runs this check on the addon's code (models, controllers,
wizard, report) and fails on a call without a reason, or when the table of
calls in README.md (between the TABLE_START and TABLE_END markers) is not
the one the code gives. With --table it prints that Markdown table (file,
method, reason); with --update it writes it into README.md.
"""

# a command-line check of `make lint`: what it prints is its report
# pylint: disable=print-used

import argparse
import ast
import io
import re
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("models", "controllers", "wizard", "report")
CALL_RE = re.compile(r"\.sudo\((?!\s*False\s*\))|\bsu=True\b|with_user\(\s*SUPERUSER_ID\s*\)")
REASON_RE = re.compile(r"#\s*sudo:\s*(\S.*)$")
README = ROOT / "README.md"
TABLE_START = "<!-- superuser calls: tools/check_sudo.py --update -->"
TABLE_END = "<!-- end of superuser calls -->"


def _comments(source):
    """{line number: comment text} of a module."""
    found = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            found[token.start[0]] = token.string
    return found


def _statements(tree):
    """(first line, last line, enclosing function name) of every simple
    statement and of the headers of compound ones."""
    spans = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.stmt):
                body = getattr(child, "body", None)
                if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                    # a compound statement: its header, up to its first inner statement
                    spans.append((child.lineno, body[0].lineno - 1, name))
                else:
                    spans.append((child.lineno, child.end_lineno, name))
            visit(child, name)

    visit(tree, "<module level>")
    return spans


def superuser_calls(path):
    """[(line, function, reason or None)] of the superuser calls of a file."""
    source = path.read_text(encoding="utf-8")
    comments = _comments(source)
    spans = _statements(ast.parse(source))
    lines = source.splitlines()
    calls = []
    for number, line in enumerate(lines, start=1):
        code = line.split("#", 1)[0] if number in comments else line
        if not CALL_RE.search(code):
            continue
        holders = [span for span in spans if span[0] <= number <= span[1]]
        start, __, function = max(holders, key=lambda span: span[0]) if holders else (number, number, "<module>")
        candidates = list(range(start, number + 1))
        above = start - 1
        while above in comments and not lines[above - 1].split("#", 1)[0].strip():
            candidates.append(above)
            above -= 1
        reasons = [REASON_RE.search(comments[n]) for n in candidates if n in comments]
        reason = next((match.group(1).strip() for match in reasons if match), None)
        calls.append((number, function, reason))
    return calls


def _table(rows):
    lines = [f"{len(rows)} superuser calls.", "", "| where | why it is safe |", "|---|---|"]
    lines += [f"| `{relative}` `{function}` | {reason} |" for relative, function, reason in rows]
    return "\n".join(lines)


def _readme_parts():
    """README.md before, in and after the table's markers."""
    text = README.read_text(encoding="utf-8")
    head, start, rest = text.partition(TABLE_START)
    table, end, tail = rest.partition(TABLE_END)
    if not (start and end):
        return None
    return head, table.strip("\n"), tail


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--table", action="store_true", help="print the calls as a Markdown table")
    parser.add_argument("--update", action="store_true", help="write the table into README.md")
    args = parser.parse_args()
    missing, rows = [], []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for number, function, reason in superuser_calls(path):
                if reason is None:
                    missing.append(f"{relative}:{number}: superuser call without a '# sudo: why' comment")
                rows.append((relative, function, reason or "**no reason given**"))
    table = _table(rows)
    if args.table:
        print(table)
        return 0
    parts = _readme_parts()
    if parts is None:
        print(f"README.md: the table of superuser calls lacks its markers {TABLE_START} ... {TABLE_END}")
        return 1
    head, current, tail = parts
    if args.update:
        README.write_text(f"{head}{TABLE_START}\n{table}\n{TABLE_END}{tail}", encoding="utf-8")
        return 0
    for line in missing:
        print(line)
    if missing:
        print(f"{len(missing)} of {len(rows)} superuser calls do not say why they are safe", file=sys.stderr)
        return 1
    if current != table:
        print("README.md: the table of superuser calls is not the code's: run python3 tools/check_sudo.py --update")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
