"""Map classes at national size: natural breaks on a quantile sample, deterministic and consistent."""

from __future__ import annotations

import numpy as np

from geodata.classify import JENKS_SAMPLE, classify


def test_natural_breaks_of_3321_values_are_deterministic_and_class_every_value_by_its_bounds():
    values = list(np.random.default_rng(1).lognormal(4, 1, 3321)) + [None] * 5
    first, again = classify(values), classify(values)
    assert first == again and len(values) > JENKS_SAMPLE
    assert first.no_data == 5 and sum(first.counts) == 3321 and len(first.bounds) == 5
    assert first.bounds[-1] == max(v for v in values if v is not None)
    for v, a in zip(values, first.assignment, strict=True):
        if v is None:
            assert a == -1
        else:
            assert v <= first.bounds[a] and (a == 0 or v > first.bounds[a - 1])


def test_small_sets_keep_the_exact_fisher_jenks():
    values = [1, 2, 3, 10, 11, 12, 50, 51, 100, 101]
    c = classify(values, k=4)
    assert c.bounds == [3.0, 12.0, 51.0, 101.0] and c.counts == [3, 3, 2, 2]
