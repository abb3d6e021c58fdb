"""Print figures over HTTP are drawn in child processes with a time and a memory budget."""

from __future__ import annotations

import time

import pytest

from webmap import figures, render_pool


def test_a_figure_over_http_is_drawn_in_a_child_and_cached(client):
    start = time.perf_counter()
    first = client.get("/figures/map?unit=12&indicator=population_density&period=2025&format=svg&dpi=50")
    cold = time.perf_counter() - start
    assert first.status_code == 200 and first.data.startswith(b"<?xml")
    start = time.perf_counter()
    again = client.get("/figures/map?unit=12&indicator=population_density&period=2025&format=svg&dpi=50")
    assert again.data == first.data and time.perf_counter() - start < cold / 5  # the cache, not a new render


def test_a_render_over_its_time_is_stopped(db_path):
    req = figures.FigureRequest(unit="12", period="2025", indicator="population_density", fmt="png", dpi=300)
    start = time.perf_counter()
    with pytest.raises(render_pool.RenderTimeout):
        render_pool.render(str(db_path), "map", req, seconds=0.05)
    assert time.perf_counter() - start < 15


def test_a_render_over_its_memory_is_refused_not_a_server_crash(db_path):
    req = figures.FigureRequest(unit="12", period="2025", indicator="population_density", fmt="png", dpi=600,
                                paper="A3")
    with pytest.raises(render_pool.RenderTooLarge):
        render_pool.render(str(db_path), "map", req, memory=600 * 2**20)


def test_refusals_inside_the_child_come_back_bilingual(db_path):
    req = figures.FigureRequest(unit="99999", period="2025", indicator="population_density", fmt="svg", dpi=50)
    with pytest.raises(figures.FigureError) as err:
        render_pool.render(str(db_path), "map", req)
    assert "99999" in err.value.message_vi and "No unit" in err.value.message_en
