"""Deadline load on one school (performance-and-reliability.md G14/G15): teachers entering scores.

Run through ``bench/load_test.py`` (it prepares PostgreSQL with the demo school, starts gunicorn and
runs this file headless), or by hand against a running server:

    .venv/bin/locust -f bench/locustfile.py --headless -u 100 -r 10 -t 10m --host http://127.0.0.1:8001

Each simulated teacher logs in as one of the demo's subject teachers (gv01..gv25, password
``sodiem2026``), reads the grids he may edit, then, with a think time of 3–10 s, does the G14 mix:
70 % saves (a cell, or a whole row through the paste path), 20 % grid loads, 10 % other pages (home,
grids index, the statistics of a grid's history). A save uses the version the grid showed; a 409
(another teacher saved the cell meanwhile) is the product working, counted apart as "conflict"
and followed by a reload, never as an error. ``LOAD_THINK_SCALE`` (default 1) shrinks the think
time for the saturation steps (G15).
"""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass, field
from html import unescape

from locust import HttpUser, LoadTestShape, between, events, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "sodiem2026")
TEACHERS = [f"gv{n:02d}" for n in range(1, 26)]
THINK_SCALE = float(os.environ.get("LOAD_THINK_SCALE", "1"))

CELL_RE = re.compile(r'<input class="cell"([^>]*)>')
ATTR_RE = re.compile(r'data-(hs|term|col|v)="([^"]*)"')
GRID_LINK_RE = re.compile(r'href="(/diem/mon/(\d+)/)"')
CONFLICTS = {"count": 0}


@dataclass
class Cell:
    hs: int
    term: int
    col: str
    version: int
    value: str
    scored: bool  # a scored subject ("8,5"); else a comment subject ("Đ" / "CĐ")


@dataclass
class Grid:
    class_subject_id: int
    url: str = ""
    cells: list[Cell] = field(default_factory=list)


def parse_cells(html: str) -> list[Cell]:
    """The editable score cells of a grid page (not comments, not read-only ones)."""
    cells = []
    for match in CELL_RE.finditer(html):
        attrs = match.group(1)
        if " readonly" in attrs or 'data-col="comment"' in attrs:
            continue
        data = dict(ATTR_RE.findall(attrs))
        value = re.search(r'value="([^"]*)"', attrs)
        if {"hs", "term", "col", "v"} <= data.keys():
            cells.append(
                Cell(
                    int(data["hs"]),
                    int(data["term"]),
                    data["col"],
                    int(data["v"]),
                    unescape(value.group(1) if value else ""),
                    'inputmode="decimal"' in attrs,
                )
            )
    return cells


def new_value(cell: Cell) -> str:
    if not cell.scored:
        return random.choice(["Đ", "Đ", "Đ", "CĐ"])
    return f"{random.randint(3, 9)},{random.choice('05')}"


class Teacher(HttpUser):
    wait_time = between(3 * THINK_SCALE, 10 * THINK_SCALE)

    def on_start(self) -> None:
        self.username = random.choice(TEACHERS)
        self.client.get("/tai-khoan/dang-nhap/", name="login page")
        response = self.client.post(
            "/tai-khoan/dang-nhap/",
            {"username": self.username, "password": PASSWORD},
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Referer": self.host + "/"},
            name="login",
        )
        if "/dang-nhap/" in response.url:
            raise RuntimeError(f"login failed for {self.username}")
        index = self.client.get("/diem/", name="grids index").text
        self.grids = [Grid(int(pk), url) for url, pk in dict.fromkeys(GRID_LINK_RE.findall(index))]
        if not self.grids:
            raise RuntimeError(f"{self.username} has no grid")
        for grid in self.grids:
            self._load(grid)

    def _csrf(self) -> dict[str, str]:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Referer": self.host + "/"}

    def _load(self, grid: Grid) -> None:
        response = self.client.get(grid.url, name="grid page")
        grid.url = response.url.replace(self.host, "") if response.ok else grid.url
        grid.cells = parse_cells(response.text) if response.ok else []

    def _grid_with_cells(self) -> Grid | None:
        editable = [g for g in self.grids if g.cells]
        return random.choice(editable) if editable else None

    @task(56)
    def save_cell(self) -> None:
        grid = self._grid_with_cells()
        if grid is None:
            return
        cell = random.choice(grid.cells)
        body = {"hs": cell.hs, "term": cell.term, "col": cell.col, "value": new_value(cell), "version": cell.version}
        with self.client.post(
            f"/diem/mon/{grid.class_subject_id}/luu/",
            json=body,
            headers=self._csrf(),
            name="save cell",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                data = response.json()
                cell.version, cell.value = data["version"], data["value"]
                response.success()
            elif response.status_code == 409:
                CONFLICTS["count"] += 1
                response.success()  # detected, not lost: the teacher reloads
                self._load(grid)
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(14)
    def save_row(self) -> None:
        grid = self._grid_with_cells()
        if grid is None:
            return
        hs = random.choice(grid.cells).hs
        row = [c for c in grid.cells if c.hs == hs]
        entries = [{"hs": c.hs, "term": c.term, "col": c.col, "value": new_value(c), "version": c.version} for c in row]
        with self.client.post(
            f"/diem/mon/{grid.class_subject_id}/dan/ap-dung/",
            json={"entries": entries},
            headers=self._csrf(),
            name="save row",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                versions = {(c["hs"], c["term"], c["col"]): c["version"] for c in response.json()["cells"]}
                for c in row:
                    c.version = versions.get((c.hs, c.term, c.col), c.version)
                response.success()
            elif response.status_code == 409:
                CONFLICTS["count"] += 1
                response.success()
                self._load(grid)
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(20)
    def load_grid(self) -> None:
        self._load(random.choice(self.grids))

    @task(10)
    def other_page(self) -> None:
        page = random.choice(["/", "/diem/", "/khoa-so/bien-ban/"])
        self.client.get(page, name=f"other {page}")


if os.environ.get("LOAD_STEPS"):  # a shape class in the file replaces -u/-t, so only when asked

    class Steps(LoadTestShape):
        """G15: raise the number of teachers step by step (``LOAD_STEPS`` users, comma-separated,
        ``LOAD_STEP_SECONDS`` each)."""

        def tick(self):
            steps = [int(n) for n in os.environ["LOAD_STEPS"].split(",") if n]
            seconds = int(os.environ.get("LOAD_STEP_SECONDS", "120"))
            index = int(self.get_run_time() // seconds)
            if index >= len(steps):
                return None
            return (steps[index], max(10, steps[index] // 5))


@events.quitting.add_listener
def _report(environment, **_kwargs) -> None:
    print(f"conflicts detected (409, counted as success): {CONFLICTS['count']}")
