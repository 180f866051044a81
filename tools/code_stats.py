#!/usr/bin/env python
"""Lines per module, the ten longest functions and the exported-name count of grpo_nb/ (the
modules nbdev exports): `python tools/code_stats.py`."""
import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "grpo_nb"


def main() -> None:
    modules = sorted(p for p in PKG.glob("*.py") if p.name != "_modidx.py")
    functions, exported = [], 0
    for p in modules:
        tree = ast.parse(p.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append((node.end_lineno - node.lineno + 1, f"{p.stem}.{node.name}"))
            if (isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__"
                                                     for t in node.targets)):
                exported += len(node.value.elts)
    lines = {p.stem: len(p.read_text().splitlines()) for p in modules}
    print(f"{len(modules)} modules, {sum(lines.values())} lines: " +
          ", ".join(f"{m} {n}" for m, n in sorted(lines.items(), key=lambda x: -x[1])))
    print("ten longest functions: " +
          ", ".join(f"{name} {n}" for n, name in sorted(functions, reverse=True)[:10]))
    print(f"exported names: {exported}")


if __name__ == "__main__":
    main()
