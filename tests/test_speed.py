"""relubook.speed: the timing harness, the benchmark problems and the roofline arithmetic.

Nothing here asserts a speed (the machines are shared and noisy); the tests check what the
functions return, the flop and byte counts, the limit formula, and the argument checks.
"""

import math
import time
from pathlib import Path

import numpy as np
import pytest

import relubook
from relubook import ShallowNet, gradient_descent, speed
from relubook._validate import is_orthogonal as rb_is_orthogonal

# ---- timing ------------------------------------------------------------------------------

def test_interleaved_returns_medians_of_every_run_in_turn():
    calls = []
    runs = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    out = speed.interleaved(runs, rounds=3)
    assert calls == ["a", "b"] * 3                      # in turn, not a a a b b b
    assert list(out) == ["a", "b"]
    for t in out.values():
        assert isinstance(t, speed.Timing)
        assert t.cpu >= 0 and t.wall >= 0 and math.isfinite(t.cpu + t.wall)


def test_interleaved_takes_the_median():
    durations = iter([0.0, 0.03, 0.0])                   # median is the shortest but one

    def run():
        end = time.perf_counter() + next(durations)
        while time.perf_counter() < end:
            pass

    t = speed.interleaved({"spin": run}, rounds=3)["spin"]
    assert 0.0 <= t.wall < 0.02


def test_steps_for_scales_with_the_target_and_never_goes_below_the_probe():
    seen = []

    def run(k):
        seen.append(k)
        np.ones(2000 * k).sum()

    assert speed.steps_for(run, 1e-9, probe=7) == 7
    assert seen == [7, 7]                                 # a warm-up call, then the probe
    assert speed.steps_for(run, 1e-9, probe=3, warm=False) == 3
    assert seen == [7, 7, 3]
    assert speed.steps_for(run, 0.01, probe=5) >= 5


def test_steps_for_is_not_fooled_by_a_fixed_cost_per_call():
    """A call costing 2 ms plus 1 us a step: 20 ms hold about 18,000 steps, not 10."""
    def run(k):
        end = time.process_time() + 2e-3 + 1e-6 * k
        while time.process_time() < end:
            pass

    k = speed.steps_for(run, 0.02, probe=1)
    assert 5_000 < k < 40_000


def test_throughput_reports_steps_per_second():
    runs = {"fast": lambda k: np.ones(100 * k).sum(), "slow": lambda k: np.ones(1000 * k).sum()}
    out = speed.throughput(runs, seconds=0.002, rounds=2, probe={"fast": 20, "slow": 5})
    assert set(out) == {"fast", "slow"}
    for row in out.values():
        assert row["steps"] >= 5
        assert row["steps_per_s"] == pytest.approx(row["steps"] / row["cpu"])
        assert row["steps_per_s"] > 0 and row["steps_per_s_wall"] > 0


@pytest.mark.parametrize("runs, rounds, error", [
    ({}, 1, ValueError), ([lambda: None], 1, TypeError), ({"a": 3}, 1, TypeError),
    ({"a": lambda: None}, 0, ValueError), ({"a": lambda: None}, 1.5, TypeError)])
def test_interleaved_rejects_bad_arguments(runs, rounds, error):
    with pytest.raises(error):
        speed.interleaved(runs, rounds)


def test_steps_for_and_throughput_reject_bad_arguments():
    with pytest.raises(TypeError, match="run"):
        speed.steps_for(3, 0.1, 1)
    with pytest.raises(ValueError, match="seconds"):
        speed.steps_for(lambda k: None, 0.0, 1)
    with pytest.raises(ValueError, match="probe"):
        speed.steps_for(lambda k: None, 0.1, 0)
    with pytest.raises(ValueError, match="probe"):
        speed.throughput({"a": lambda k: None}, seconds=0.1, rounds=1, probe={"b": 1})


def test_gd_runner_runs_gradient_descent_with_options():
    net, x, y = speed.problem(10, 20, seed=1)
    run = speed.gd_runner(net, x, y, 10.0, backend="dense")
    traj = run(5)
    assert len(traj) == 2 and traj.t[-1] == pytest.approx(50.0)
    direct = relubook.gradient_descent(net, x, y, lr=10.0, steps=5, record=2, backend="dense")
    assert speed.max_param_diff(traj.net, direct.net) == 0.0
    with pytest.raises(ValueError, match="record"):
        speed.gd_runner(net, x, y, 10.0, record=3)
    with pytest.raises(TypeError, match="net"):
        speed.gd_runner("net", x, y, 10.0)
    with pytest.raises(ValueError, match="lr"):
        speed.gd_runner(net, x, y, -1.0)


# ---- problems ----------------------------------------------------------------------------

def test_problem_is_seeded_sorted_and_mean_field():
    net, x, y = speed.problem(10, 50, seed=3)
    net2, x2, y2 = speed.problem(10, 50, seed=3)
    assert np.array_equal(x, x2) and np.array_equal(net.w, net2.w)
    assert x.shape == y.shape == (10,) and np.all(np.diff(x) > 0) and np.all(np.abs(x) <= 1)
    np.testing.assert_allclose(y, np.sin(np.pi * x) + 0.5 * x)
    assert net.width == 50 and net.scale == pytest.approx(1 / 50) and net.has_bias
    assert speed.problem(10, 50, scale=1.0)[0].scale == 1.0
    assert not np.array_equal(speed.problem(10, 50, seed=4)[1], x)


def test_orthogonal_problem_has_orthonormal_inputs_and_no_biases():
    net, x, y = speed.orthogonal_problem(6, 40, seed=1)
    assert x.shape == (6, 6) and y.shape == (6,)
    np.testing.assert_allclose(x @ x.T, np.eye(6), atol=1e-12)
    assert net.w.shape == (40, 6) and not net.has_bias
    assert net.scale == pytest.approx(1 / 40)
    assert set(y) == {-1.0, 1.0}


def test_general_problem_is_in_general_position_and_trains():
    net, x, y = speed.general_problem(20, 30, 50, seed=2)
    assert x.shape == (30, 20) and y.shape == (30,) and net.w.shape == (50, 20)
    assert net.has_bias and net.scale == pytest.approx(1 / 50)
    assert np.all(np.abs(y) < 1) and not rb_is_orthogonal(x)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1).mean(), 1.0, rtol=0.2)
    run = gradient_descent(net, x, y, lr=0.5 * 50, steps=100, record=2)
    assert run.loss[-1] < 0.5 * run.loss[0]


def test_max_param_diff():
    net = ShallowNet(a=[1.0, 2.0], w=[0.5, -1.0], b=[0.0, 1.0], c=0.5)
    other = ShallowNet(a=[1.0, 2.5], w=[0.5, -1.0], b=[0.0, 1.25], c=0.5)
    assert speed.max_param_diff(net, net) == 0.0
    assert speed.max_param_diff(net, other) == 0.5
    with pytest.raises(ValueError, match="same shape"):
        speed.max_param_diff(net, ShallowNet(a=[1.0], w=[1.0], b=[0.0]))
    with pytest.raises(TypeError, match="ref"):
        speed.max_param_diff(net, "net")


@pytest.mark.parametrize("call", [
    lambda: speed.problem(0, 10), lambda: speed.problem(10, 0),
    lambda: speed.problem(10, 10, scale=-1.0), lambda: speed.orthogonal_problem(0, 10),
    lambda: speed.general_problem(0, 5, 10), lambda: speed.general_problem(3, 5, 0)])
def test_problems_reject_bad_sizes(call):
    with pytest.raises(ValueError):
        call()


# ---- roofline arithmetic -----------------------------------------------------------------

def test_dense_step_counts():
    assert speed.dense_step_flops(10, 1000) == 10 * 10 * 1000 + 12 * 1000
    assert speed.dense_step_flops(1, 1) == 22
    assert speed.dense_step_bytes(1000) == 48_000
    assert speed.dense_step_bytes(1000, "float32") == 24_000


def test_step_limit_is_the_smaller_of_compute_and_memory():
    # 1e10 flop/s over 1e6 flops: 1e4 steps/s; 1e9 B/s over 1e4 B: 1e5 steps/s
    assert speed.step_limit(1e6, 1e4, 1e10, 1e9) == pytest.approx(1e4)
    # memory-bound when the bandwidth is small
    assert speed.step_limit(1e6, 1e4, 1e10, 1e7) == pytest.approx(1e3)


def _fake_roofline():
    return speed.Roofline(flops64=4e10, flops32=8e10, bandwidth_l2=9e10, bandwidth_l3=6e10,
                          bandwidth_dram=2e10, l2_bytes=512 * 1024, l3_bytes=32 * 1024 ** 2,
                          seconds=0.0)


def test_roofline_limits_on_known_numbers():
    r = _fake_roofline()
    assert r.peak() == 4e10 and r.peak("float32") == 8e10
    assert r.bandwidth(1000) == 9e10
    assert r.bandwidth(1 << 20) == 6e10
    assert r.bandwidth(1 << 30) == 2e10
    # n = 10, m = 1000: 112k flops at 4e10 -> 357k steps/s; 48 kB in L2 -> 1.9M steps/s
    assert r.dense_limit(10, 1000) == pytest.approx(4e10 / 112_000)
    assert r.dense_limit(10, 1000, "float32") == pytest.approx(8e10 / 112_000)
    # n = 1, m = 1e6: 22 Mflop -> 1.8k steps/s; 48 MB moved, the 24 MB of parameters in L3
    assert r.dense_limit(1, 10 ** 6) == pytest.approx(6e10 / 48e6)
    # n = 1, m = 2e4: the 480 kB of parameters fit in L2 (the 960 kB moved would not)
    assert r.dense_limit(1, 20_000) == pytest.approx(min(4e10 / 440e3, 9e10 / 960e3))
    # n = 1, m = 1e7: 240 MB of parameters, from memory
    assert r.dense_limit(1, 10 ** 7) == pytest.approx(2e10 / 480e6)
    assert r.as_dict()["flops64"] == 4e10


@pytest.mark.parametrize("call, error", [
    (lambda: speed.dense_step_flops(0, 10), ValueError),
    (lambda: speed.dense_step_flops(10, 2.5), TypeError),
    (lambda: speed.dense_step_bytes(10, "float16"), ValueError),
    (lambda: speed.step_limit(0.0, 1.0, 1.0, 1.0), ValueError),
    (lambda: speed.step_limit(1.0, 1.0, float("inf"), 1.0), ValueError),
    (lambda: speed.step_limit(1.0, 1.0, 1.0, "fast"), TypeError),
    (lambda: _fake_roofline().bandwidth(-1.0), ValueError),
    (lambda: _fake_roofline().dense_limit(10, 10, dtype="half"), ValueError),
    (lambda: speed.roofline(repeats=0), ValueError),
    (lambda: speed.roofline(matrix=4), ValueError),
    (lambda: speed.roofline(seconds=-1.0), ValueError),
])
def test_roofline_functions_reject_bad_arguments(call, error):
    with pytest.raises(error):
        call()


def test_cache_sizes_are_positive_and_ordered():
    sizes = speed.cache_sizes()
    assert set(sizes) == {"l2", "l3"}
    assert 0 < sizes["l2"] < sizes["l3"]


def test_roofline_measures_positive_finite_rates():
    r = speed.roofline(repeats=1, seconds=0.005, matrix=64, dram_bytes=4 << 20)
    for name in ("flops64", "flops32", "bandwidth_l2", "bandwidth_l3", "bandwidth_dram"):
        value = getattr(r, name)
        assert math.isfinite(value) and value > 0, name
    assert r.l2_bytes < r.l3_bytes and r.seconds > 0
    assert 0 < r.dense_limit(10, 1000) < math.inf


def _bench_module():
    """benchmarks/bench.py, loaded as a module (it is a script, not part of the package)."""
    import importlib.util
    path = Path(relubook.__file__).resolve().parent.parent / "benchmarks" / "bench.py"
    spec = importlib.util.spec_from_file_location("bench_under_test", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_bench_gpu_skips_cleanly_without_cuda(tmp_path, monkeypatch):
    """``bench.py --gpu`` on a machine without CUDA says so and writes nothing."""
    import torch
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: --gpu would really run")
    bench = _bench_module()
    monkeypatch.setattr(bench, "HERE", tmp_path)
    assert bench.main(["--gpu"]) is None
    assert list(tmp_path.iterdir()) == []


def test_bench_short_numbers_round_into_the_next_unit():
    bench = _bench_module()
    assert [bench._si(v) for v in (999_528, 999_400, 1_234_567, 999.7, 345.2, 6.71)] == [
        "1M", "999k", "1.23M", "1k", "345", "6.7"]
    assert [bench._x(v) for v in (99.96, 99.94, 3.64, 526.4)] == ["100x", "99.9x", "3.6x", "526x"]


# ----------------------------------------- the Speed page's claims on five other seeds
@pytest.mark.parametrize("seed", [3, 4, 5, 6, 7])
def test_claim_speed_backends_on_other_seeds(seed):
    """claim-speed-backends: every backend within 1e-10 of the torch loop after 300 steps."""
    from relubook.torch_loop import torch_gradient_descent
    cases = [(speed.problem(10, 1000, seed=seed), ("dense", "sorted", "torch")),
             (speed.problem(100, 1000, seed=seed), ("dense", "sorted")),
             (speed.orthogonal_problem(4, 1000, seed=seed), ("dense", "orthogonal")),
             (speed.general_problem(150, 75, 200, seed=seed), ("dense", "torch"))]
    for (net, x, y), backends in cases:
        lr = 0.5 * net.width
        ref, ref_losses = torch_gradient_descent(net, x, y, lr=lr, steps=300)
        for backend in backends:
            run = gradient_descent(net, x, y, lr=lr, steps=300, record=2, backend=backend)
            assert speed.max_param_diff(run.net, ref) < 1e-10, backend
            assert abs(run.loss[-1] - ref_losses[-1]) < 1e-10, backend


@pytest.mark.parametrize("seed", [3, 4, 5, 6, 7])
def test_claim_speed_float32_orthogonal_on_other_seeds(seed):
    """claim-speed-float32, orthogonal inputs: parameters within 1e-5 relative, loss curves
    within 1e-3 of the initial loss, over 300 steps of size m/2."""
    for d in (4, 50):
        net, x, y = speed.orthogonal_problem(d, 1000, seed=seed)
        lr, times = 0.5 * net.width, np.arange(0, 301, 10)
        run64, run32 = (gradient_descent(net, x, y, lr=lr, steps=300, record=times * lr,
                                         backend="orthogonal", dtype=dtype)
                        for dtype in ("float64", "float32"))
        size = max(np.max(np.abs(run64.net.a)), np.max(np.abs(run64.net.w)))
        assert speed.max_param_diff(run32.net, run64.net) / size < 1e-5
        assert np.max(np.abs(run32.loss - run64.loss)) / run64.loss[0] < 1e-3
