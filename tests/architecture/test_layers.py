"""The rooms' layering holds beyond what the import contract in `make lint` sees.

The contract (`[tool.importlinter]` in pyproject.toml) checks that imports between rooms point
down. These tests add what it does not check: no import cycle among Kith's modules (within a
room too, function-local imports included), and no raw SQL in a room naming a table that
belongs to a room above it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import grimp
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]


def _layers() -> list[str]:
    """The rooms, top to bottom, as the import contract lists them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return list(contract["layers"])


def _sccs(nodes: set[str], edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components (Tarjan), iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[set[str]] = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        result.append(component)
    return result


def test_no_import_cycle_among_kiths_modules():
    layers = _layers()
    graph = grimp.build_graph(*layers)
    modules = {m for m in graph.modules if m.split(".")[0] in layers}
    edges = {
        m: {
            i
            for i in graph.find_modules_directly_imported_by(m)
            if i in modules and not (m.startswith(i + ".") or i.startswith(m + "."))
        }
        for m in modules
    }
    cycles = _sccs(modules, edges)
    assert cycles == [], f"import cycles: {[sorted(c) for c in cycles]}"


def _room_of_table() -> dict[str, str]:
    layers = set(_layers())
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        room = model.__module__.split(".")[0]
        if room in layers:
            tables[model._meta.db_table] = room
    return tables


def _sql_offences() -> list[str]:
    layers = _layers()
    rank = {room: i for i, room in enumerate(layers)}  # 0 is the top
    tables = _room_of_table()
    patterns = {t: re.compile(rf"\b{re.escape(t)}\b") for t in tables}
    offences = []
    for room in layers:
        for path in sorted((ROOT / room).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            text = path.read_text()
            for table, pattern in patterns.items():
                owner = tables[table]
                if rank[owner] < rank[room] and pattern.search(text):
                    offences.append(f"{path.relative_to(ROOT)} names {table} ({owner})")
    return offences


def test_no_raw_sql_reads_a_higher_rooms_tables():
    assert _sql_offences() == []
