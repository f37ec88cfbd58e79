#!/usr/bin/env python3
"""Checks the layer rule of osmp-runtime (ARCHITECTURE.md): a module imports only modules
of lower layers, and two modules of one layer do not import each other. Doc comments and
comments are not imports. Exits 1 and lists the offending lines when the rule is broken."""
import os
import re
import sys

LAYERS = {
    "sync": 0,
    "wire": 1, "limits": 1,
    "transport": 2,
    "session": 3,
    "auth": 4, "events": 4,
    "instruction": 5,
    "standard": 6, "console": 6,
    "server": 7, "client": 7,
    "__private": 8,
    "lib": 9,
}

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "osmp-runtime", "src")
violations = []
for directory, _, files in os.walk(root):
    for name in sorted(files):
        if not name.endswith(".rs"):
            continue
        path = os.path.join(directory, name)
        module = os.path.relpath(path, root).split(os.sep)[0].removesuffix(".rs")
        if module not in LAYERS:
            continue
        for number, line in enumerate(open(path, encoding="utf-8"), 1):
            if line.lstrip().startswith("//"):
                continue
            for other in re.findall(r"crate::([a-z_]+)", line):
                if other in LAYERS and other != module and LAYERS[other] >= LAYERS[module]:
                    violations.append(f"{os.path.relpath(path, root)}:{number}: {module} imports {other}")
if violations:
    print("layer rule broken (see ARCHITECTURE.md):")
    print("\n".join(violations))
    sys.exit(1)
print(f"layers: every module of {os.path.normpath(root)} imports only lower layers")
