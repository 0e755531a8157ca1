"""Tests of relubook.data: shapes, seeds, and the properties each data set promises."""

import numpy as np
import pytest

from relubook import data


def test_grid_is_equally_spaced():
    x = data.grid_1d(7, -2.0, 4.0)
    assert x.shape == (7,) and x[0] == -2.0 and x[-1] == 4.0
    assert np.allclose(np.diff(x), 1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_1d_sorted_in_range_and_spaced(seed):
    x = data.random_1d(12, seed=seed, lo=-3, hi=3, min_gap=0.05)
    assert np.all(np.diff(x) > 0.05) and x.min() >= -3 and x.max() <= 3
    assert np.array_equal(x, data.random_1d(12, seed=seed, lo=-3, hi=3, min_gap=0.05))


def test_random_1d_accepts_a_generator():
    rng = np.random.default_rng(5)
    assert data.random_1d(4, seed=rng).shape == (4,)


def test_square_wave_values_and_no_point_on_a_jump():
    x, y = data.square_wave(10)
    assert set(np.unique(y)) == {-1.0, 1.0}
    assert np.array_equal(y, np.where(x < 0, 1.0, -1.0))
    x2, y2 = data.square_wave(10, seed=3, jitter=0.3)
    assert not np.array_equal(x, x2) and np.all(np.abs(x2 - x) <= 0.3 * 0.2 + 1e-15)


def test_sinusoid():
    x, y = data.sinusoid(9, frequency=0.5)
    assert np.allclose(y, np.sin(np.pi * x))
    _, noisy = data.sinusoid(9, frequency=0.5, seed=0, noise=0.1)
    assert 0 < np.max(np.abs(noisy - y)) < 0.5


@pytest.mark.parametrize("seed", [None, 4])
def test_orthogonal_inputs_are_orthogonal_with_given_radii(seed):
    radii = np.array([1.0, 1.5, 0.8])
    x = data.orthogonal_inputs(3, 5, radii, seed=seed)
    gram = x @ x.T
    assert np.allclose(gram, np.diag(radii ** 2), atol=1e-14)
    if seed is None:   # on the axes: exactly orthogonal
        assert np.array_equal(gram, np.diag(radii ** 2))


def test_teacher_instances():
    x, y, v = data.teacher_instances(3, 7, 2, seed=1)
    assert x.shape == (3, 7, 2) and y.shape == (3, 7) and v.shape == (3, 2)
    np.testing.assert_allclose(y, np.maximum(np.einsum("bnd,bd->bn", x, v), 0.0))
    x2, y2, _ = data.teacher_instances(3, 7, 2, seed=1, noise=0.5)
    np.testing.assert_array_equal(x, x2)
    assert np.all(y2 >= 0) and not np.allclose(y, y2)
    with pytest.raises(TypeError, match="seed"):
        data.teacher_instances(2, 3, 2, seed="one")


def test_random_dataset_is_reproducible():
    x, y = data.random_dataset(5, seed=3)
    assert np.all(np.diff(x) > 0) and np.all(np.abs(x) <= 3)
    assert np.array_equal(x, data.random_dataset(5, seed=3)[0])
    assert np.all(np.abs(data.random_dataset(5, seed=3, half_width=1.0)[0]) <= 1)


@pytest.mark.parametrize("d", [1, 3, 8])
def test_random_rotation_is_orthogonal_and_seeded(d):
    q = data.random_rotation(d, seed=4)
    np.testing.assert_allclose(q @ q.T, np.eye(d), atol=1e-14)
    np.testing.assert_array_equal(q, data.random_rotation(d, seed=4))
    np.testing.assert_allclose(data.orthogonal_inputs(2, d + 1, seed=5),
                               np.eye(2, d + 1) @ data.random_rotation(d + 1, seed=5).T)


@pytest.mark.parametrize("name", list(data.NAMED))
def test_every_named_data_set_is_sorted_and_distinct(name):
    x, y = data.named(name)
    assert x.shape == y.shape and x.ndim == 1 and np.all(np.diff(x) > 0)
    np.testing.assert_array_equal(data.named(name)[1], y)          # deterministic


def test_named_rejects_unknown_names():
    with pytest.raises(ValueError, match="dataset must be one of"):
        data.named("noise")


def test_affine_target():
    x, y = data.affine_target(15, 2.0, -0.5, seed=1)
    assert np.all((0 <= x) & (x <= 1)) and np.allclose(y, 2 * x - 0.5)


@pytest.mark.parametrize("call, match", [
    (lambda: data.grid_1d(1), "n"),
    (lambda: data.grid_1d(5, 1.0, 1.0), "lo < hi"),
    (lambda: data.random_1d(5, seed="a"), "seed"),
    (lambda: data.random_1d(100, seed=0, min_gap=0.1), "min_gap"),
    (lambda: data.square_wave(10, jitter=0.2), "seed"),
    (lambda: data.square_wave(10, jitter=0.7, seed=0), "jitter"),
    (lambda: data.orthogonal_inputs(4, 3), "d must be at least n"),
    (lambda: data.orthogonal_inputs(2, 3, [1.0, -1.0]), "radii"),
    (lambda: data.teacher_instances(2, 5, 2, seed=0, noise=-1.0), "noise"),
    (lambda: data.random_dataset(5, seed=0, half_width=0.0), "half_width"),
    (lambda: data.random_rotation(0, seed=0), "d"),
    (lambda: data.affine_target(5, np.nan, 0.0, seed=0), "alpha"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_orthogonal_example_is_the_chapters_running_example():
    x, y = data.orthogonal_example()
    radii = np.array([1.0, 1.5, 0.8, 1.2])
    np.testing.assert_array_equal(np.linalg.norm(x, axis=1), radii)
    np.testing.assert_array_equal(x @ x.T, np.diag(radii ** 2))       # exactly orthogonal
    assert np.sum(y > 0) == 2 and np.sum(y < 0) == 2
