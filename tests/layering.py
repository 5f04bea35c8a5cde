#!/usr/bin/env python3
"""The module layering of src/, checked from the sources (ctest: layering).

Two rules (DESIGN.md, "Layout"):
- every function and variable a public header include/asicnn/NAME.h declares
  is defined in that header's own module folder, src/NAME/ (isa.h belongs to
  src/arch, the machine model);
- no file in src/M/ includes another module's internal header (a header
  under src/ other than M's own): what two modules share goes into the lower
  one's public header.

Usage: layering.py SOURCE_DIR. Prints one line per violation and exits 1,
or exits 0 when there is none.
"""
import os
import re
import sys

# Public headers that belong to a folder of another name.
HEADER_FOLDER = {"isa": "arch"}

COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def strip(text):
    """Source text without comments, preprocessor lines or string bodies."""
    text = COMMENT.sub(" ", text)
    text = re.sub(r"\\\n", " ", text)
    text = re.sub(r"^#ifdef __cplusplus$.*?^#endif[^\n]*", "", text, flags=re.M | re.S)
    text = re.sub(r"^[ \t]*#[^\n]*", "", text, flags=re.M)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)


def top_level(text):
    """The statements of text at brace depth 0, bodies of braces removed (a
    function body, "{}", ends its statement)."""
    out, depth, cur, body = [], 0, [], False
    for ch in text:
        if ch == "{":
            if depth == 0:
                body = "".join(cur).rstrip().endswith(")")
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                cur.append("{}")
                if body:
                    out.append("".join(cur))
                    cur = []
        elif depth == 0:
            if ch == ";":
                out.append("".join(cur))
                cur = []
            else:
                cur.append(ch)
    return out


def declared(header_text):
    """Names of the functions and extern variables a header declares."""
    names = set()
    for stmt in top_level(strip(header_text)):
        stmt = " ".join(stmt.split())
        stmt = re.sub(r"__attribute__\s*\(\(.*?\)\)", "", stmt)
        if not stmt or re.match(r"(typedef|struct|enum|union)\b", stmt):
            continue
        if re.match(r"extern\b", stmt) and not re.match(r'extern ""', stmt):
            m = re.search(r"(\w+)\s*(\[[^\]]*\]\s*)*$", stmt)
            if m:
                names.add(m.group(1))
            continue
        m = re.search(r"(\w+)\s*\(", stmt)
        if m and "{}" not in stmt:  # static inline bodies define themselves
            names.add(m.group(1))
    return names


def defined(source_text):
    """Names of the non-static functions and variables a C file defines."""
    names = set()
    for stmt in top_level(strip(source_text)):
        stmt = " ".join(stmt.split())
        if not stmt or re.match(r"(static|typedef|extern)\b", stmt):
            continue
        if stmt.endswith("{}"):
            m = re.search(r"(\w+)\s*\([^{}]*\)\s*\{\}$", stmt)
            if m and not re.match(r"(struct|enum|union)\b", stmt):
                names.add(m.group(1))
                continue
        m = re.search(r"(\w+)\s*(\[[^\]]*\]\s*)*=", stmt)
        if m:
            names.add(m.group(1))
    return names


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    src, inc = os.path.join(root, "src"), os.path.join(root, "include", "asicnn")
    problems = []
    modules = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))

    where = {}  # name -> [(module, file)]
    for mod in modules:
        for dirpath, _, files in os.walk(os.path.join(src, mod)):
            for f in sorted(files):
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, root)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    text = fh.read()
                if f.endswith((".c", ".cu")):
                    for name in defined(text):
                        where.setdefault(name, []).append((mod, rel))
                for m in re.finditer(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', text, re.M):
                    target = m.group(1)
                    parts = target.split("/")
                    if target.startswith("..") or (
                        len(parts) > 1 and parts[0] not in ("asicnn", mod) and parts[0] in modules
                    ):
                        line = text.count("\n", 0, m.start()) + 1
                        problems.append(
                            f"{rel}:{line}: includes {target}, another module's internal header"
                        )

    for f in sorted(os.listdir(inc)):
        if not f.endswith(".h"):
            continue
        stem = f[:-2]
        folder = HEADER_FOLDER.get(stem, stem)
        if folder not in modules:
            problems.append(f"include/asicnn/{f}: no module folder src/{folder}/")
            continue
        with open(os.path.join(inc, f), encoding="utf-8") as fh:
            names = declared(fh.read())
        for name in sorted(names):
            for mod, rel in where.get(name, []):
                if mod != folder:
                    problems.append(
                        f"include/asicnn/{f}: {name} is defined in {rel}, outside src/{folder}/"
                    )

    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
