"""Tests of fep_core.cb, the continuous Bernoulli distribution CB(b) on [-1, 1].

Written in the style of SciPy's special-function tests:

* reference values from an independent high-precision computation (mpmath, the textbook formulas
  evaluated with enough working digits that cancellation cannot hurt), at ordinary and extreme
  inputs, mixed in one array;
* independent identities: quadrature of the density, finite differences, the KL integral,
  symmetries, inverse round trips, goodness of fit of the sampler;
* bad input: a ValueError that names the argument.

References are the plain formulas of the spec (no series, no asymptotics) in mpmath, at a working
precision of 50 digits plus the digits those formulas lose to cancellation at the given input
(up to ~700 for b = 1e-300 or 1e308); each is confirmed by recomputing with 50 more digits.
No test here is slow: the file runs in ~10 s, most of it building the references.

Every test runs with warnings as errors, so an overflow/invalid RuntimeWarning raised anywhere for a
finite input fails the test that triggered it.
"""
from __future__ import annotations

import functools
import inspect
import math

import mpmath
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import integrate, stats

from fep_core import cb

pytestmark = pytest.mark.filterwarnings("error")

EPS = np.finfo(float).eps            # 2.2e-16
TINY = np.finfo(float).tiny          # smallest normal number, 2.2e-308
FMAX = np.finfo(float).max           # 1.8e308
SUBNORMAL = 5e-324                   # smallest subnormal number

# Relative accuracy the module promises for every finite input.
RTOL = 1e-12
# ... and for kl when the divergence is tiny compared with the O(1) terms of its closed form
# (nearly equal arguments, or both tiny): the value then comes from a difference/Bregman form.
RTOL_KL_NEAR = 1e-10
# Results below ~1e3 x the smallest normal number (subnormal or underflowed to 0, e.g.
# langevin_prime(1e300) = 1e-600) cannot carry relative accuracy; compare them absolutely.
ATOL_UNDERFLOW = 1e-305

# Ordinary and extreme natural parameters (each with its negative), mixed in one array below.
POSITIVE = [1e-300, 1e-12, 1e-8, 1e-4, 0.1, 0.5, 1.0, 2.7, 3.0, 10.0, 40.0, 700.0, 710.0,
            1e6, 1e15, 1e300]
B_GRID = [0.0] + POSITIVE + [-v for v in POSITIVE]
# The small edge of the float range: smallest subnormal and smallest normal numbers.
B_EDGE = [SUBNORMAL, -SUBNORMAL, TINY, -TINY]
B_ALL = B_GRID + B_EDGE
# The large edge: |b| > FMAX / 2, where 2 b (and b (x - 1)) overflow. Tested on their own (see
# "Largest floats" below) so that a problem there shows up once, not in every other test.
B_HUGE = [1e308, -1e308, FMAX, -FMAX]
# A smaller set for two-argument functions (outer products).
B_PAIR = [0.0, 1e-300, -1e-300, 1e-12, -1e-12, 1e-4, -1e-4, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0,
          40.0, -40.0, 700.0, -700.0, 1e6, -1e6, 1e300, -1e300]
B_DENSITY = B_PAIR + [1e15, -1e15]
# Points of the support, all exact binary fractions (so the reference sees the same x).
X_GRID = [-1.0, -1.0 + 2.0**-30, -0.75, -0.5, -1e-9, 0.0, 0.3, 0.5, 1.0 - 2.0**-20,
          1.0 - 2.0**-52, 1.0]
U_GRID = [0.0, 1e-300, 1e-12, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0 - 2.0**-40, 1.0 - 2.0**-53, 1.0]


# --------------------------------------------------------------------------------------------
# mpmath reference implementation: the textbook formulas, no series and no asymptotics.
# --------------------------------------------------------------------------------------------
def _per_precision(f):
    """Cache a one-argument mpmath function per (argument, working precision).

    The references below call sinh/exp of the same b many times (grids, kl pairs); for huge b
    each call reduces a 1000-bit argument, so caching keeps the suite fast.
    """
    cache = {}

    def cached(b):
        key = (b, mpmath.mp.prec)
        if key not in cache:
            cache[key] = f(b)
        return cache[key]
    return cached


_sinh = _per_precision(mpmath.sinh)
_exp = _per_precision(mpmath.exp)


@_per_precision
def mp_log_partition(b):
    return mpmath.log(2) if b == 0 else mpmath.log(2 * _sinh(b) / b)


@_per_precision
def mp_langevin(b):
    return mpmath.mpf(0) if b == 0 else mpmath.cosh(b) / _sinh(b) - 1 / b


def mp_langevin_prime(b):
    return mpmath.mpf(1) / 3 if b == 0 else 1 / b**2 - 1 / _sinh(b) ** 2


def mp_entropy(b):
    return mp_log_partition(b) - b * mp_langevin(b)


def mp_kl(bq, bp):
    return (bq - bp) * mp_langevin(bq) - mp_log_partition(bq) + mp_log_partition(bp)


def mp_log_pdf(x, b):
    return -mpmath.log(2) if b == 0 else mpmath.log(b / (2 * _sinh(b))) + b * x


def mp_pdf(x, b):
    return mpmath.exp(mp_log_pdf(x, b))


def mp_cdf(x, b):
    return (x + 1) / 2 if b == 0 else (mpmath.exp(b * (x + 1)) - 1) / (_exp(2 * b) - 1)


def mp_ppf(u, b):
    # x = ln(exp(-b) + u (exp(b) - exp(-b))) / b, regrouped as a sum of positive terms so that
    # u -> 1 at b < 0 does not cancel
    if b == 0:
        return 2 * u - 1
    return mpmath.log((1 - u) * _exp(-b) + u * _exp(b)) / b


def _working_digits(args):
    """50 digits for the answer plus room for the cancellation the plain formulas suffer.

    The formulas lose about |log10 v| digits (twice that for tiny b, where coth(b) - 1/b cancels
    two leading orders) for every input v and every difference of inputs (kl of close arguments).
    Rounded up to a multiple of 100 so that cached pieces are shared between evaluations.
    """
    vals = [mpmath.mpf(a) for a in args]
    vals += [p - q for i, p in enumerate(vals) for q in vals[i + 1:]]
    lost = max([abs(float(mpmath.log10(abs(v)))) for v in vals if v != 0] + [0.0])
    return 100 * math.ceil((60 + 2 * lost) / 100)


@functools.lru_cache(maxsize=None)
def _ref(fn, extra, *args):
    """fn(*args) in high precision as a float; checked by recomputing with 50 more digits."""
    dps = _working_digits(args) + extra
    with mpmath.workdps(dps):
        v1 = fn(*[mpmath.mpf(a) for a in args])
    with mpmath.workdps(dps + 50):
        v2 = fn(*[mpmath.mpf(a) for a in args])
        if abs(v1 - v2) > abs(v2) * mpmath.mpf(10) ** -45:
            raise RuntimeError(f"mpmath reference {fn.__name__}{args} did not converge")
    return float(v2)


def ref(fn, *arrays, extra=0):
    """Elementwise, broadcasting high-precision reference as a float64 array.

    ``extra``: more working digits, for evaluations next to a zero of ``fn``.
    """
    arrays = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in arrays])
    out = np.empty(arrays[0].shape)
    for idx in np.ndindex(out.shape):
        out[idx] = _ref(fn, extra, *[float(a[idx]) for a in arrays])
    return out


def check_close(got, expected, *, rtol, atol, **inputs):
    """assert |got - expected| <= atol + rtol |expected| elementwise (rtol/atol may be arrays).

    On failure the message lists the failing inputs with the value obtained and expected.
    """
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    tol = np.asarray(atol) + np.asarray(rtol) * np.abs(expected)
    ok = (got == expected) | (np.abs(got - expected) <= tol)   # NaN in got -> not ok
    if not np.all(ok):
        bad = np.argwhere(~ok) if got.ndim else [()]
        lines = []
        for idx in bad[:12]:
            idx = tuple(idx)
            where = ", ".join(f"{k}={np.broadcast_to(v, got.shape)[idx]!r}"
                              for k, v in inputs.items())
            err = abs(got[idx] - expected[idx]) / abs(expected[idx]) if expected[idx] else np.inf
            lines.append(f"  {where}: got {got[idx]!r}, expected {expected[idx]!r} "
                         f"(rel err {err:.2e})")
        pytest.fail(f"{int((~ok).sum())} of {ok.size} values out of tolerance:\n"
                    + "\n".join(lines))
    if np.ndim(rtol) == 0 and np.ndim(atol) == 0:
        assert_allclose(got, expected, rtol=rtol, atol=atol)


def _ids(values):
    return [repr(float(v)) for v in values]


# --------------------------------------------------------------------------------------------
# 1. Reference values
# --------------------------------------------------------------------------------------------
SINGLE = {
    "langevin": (cb.langevin, mp_langevin),
    "langevin_prime": (cb.langevin_prime, mp_langevin_prime),
    "fisher_information": (cb.fisher_information, mp_langevin_prime),
    "log_partition": (cb.log_partition, mp_log_partition),
    "entropy": (cb.entropy, mp_entropy),
}


@pytest.mark.parametrize("name", list(SINGLE))
@pytest.mark.parametrize("b", B_ALL, ids=_ids(B_ALL))
def test_single_argument_functions_match_mpmath(name, b):
    fn, mp_fn = SINGLE[name]
    got = fn(b)
    assert np.ndim(got) == 0
    check_close(got, ref(mp_fn, b), rtol=RTOL, atol=ATOL_UNDERFLOW, b=b)


@pytest.mark.parametrize("name", list(SINGLE))
def test_single_argument_functions_on_one_mixed_array(name):
    # all extremes in one call: a vectorised implementation must not let one branch's overflow
    # leak into another element (and must not warn)
    fn, mp_fn = SINGLE[name]
    b = np.array(B_ALL).reshape(1, -1)
    got = fn(b)
    assert got.shape == b.shape and got.dtype == np.float64
    check_close(got, ref(mp_fn, b), rtol=RTOL, atol=ATOL_UNDERFLOW, b=b)


def test_special_values():
    assert cb.langevin(0.0) == 0.0
    assert_allclose(cb.langevin_prime(0.0), 1 / 3, rtol=EPS)
    assert_allclose(cb.log_partition(0.0), math.log(2), rtol=EPS)
    assert_allclose(cb.entropy(0.0), math.log(2), rtol=EPS)
    assert_allclose(cb.pdf(np.array([-1.0, 0.0, 0.4, 1.0]), 0.0), 0.5, rtol=EPS)
    assert_allclose(cb.cdf(0.5, 0.0), 0.75, rtol=EPS)
    assert_allclose(cb.ppf(0.75, 0.0), 0.5, rtol=EPS)
    assert cb.inverse_langevin(0.0) == 0.0
    assert cb.kl(0.0, 0.0) == 0.0
    # the saturated limits: L -> sign(b), L' -> 0, CDF a step at sign(b)
    assert_array_equal(cb.langevin(np.array([1e300, -1e300])), [1.0, -1.0])
    assert_array_equal(cb.langevin_prime(np.array([1e300, -1e300])), [0.0, 0.0])
    assert_array_equal(cb.cdf(np.array([-1.0, 0.0, 1.0]), 1e300), [0.0, 0.0, 1.0])
    assert_array_equal(cb.cdf(np.array([-1.0, 0.0, 1.0]), -1e300), [0.0, 1.0, 1.0])


def test_fisher_information_is_langevin_prime():
    b = np.array(B_ALL)
    assert_array_equal(cb.fisher_information(b), cb.langevin_prime(b))


def _kl_rtol(expected):
    return np.where(np.abs(expected) > 1e-3, RTOL, RTOL_KL_NEAR)


def test_kl_matches_mpmath_on_all_pairs():
    bq = np.array(B_PAIR)[:, None]
    bp = np.array(B_PAIR)[None, :]
    expected = ref(mp_kl, bq, bp)
    got = cb.kl(bq, bp)
    assert got.shape == (len(B_PAIR), len(B_PAIR))
    check_close(got, expected, rtol=_kl_rtol(expected), atol=ATOL_UNDERFLOW, bq=bq, bp=bp)


KL_NEAR = [(1e-12, 0.0), (0.0, 1e-12), (1e-300, 0.0), (0.5, 0.5 + 1e-9), (0.5 + 1e-9, 0.5),
           (2.0, 2.0 + 2.0**-51), (-3.0, -3.0 + 1e-7), (1e-4, 1e-4 * (1 + 1e-6)),
           (40.0, 40.0 * (1 + 1e-12)), (700.0, 700.0 + 1e-6), (1e6, 1e6 + 1), (1e6 + 1, 1e6),
           (-1e6, -1e6 - 1), (1e300, 1e300 * (1 + 1e-15))]


@pytest.mark.parametrize("bq, bp", KL_NEAR, ids=[f"{q!r},{p!r}" for q, p in KL_NEAR])
def test_kl_nearly_equal_arguments(bq, bp):
    # the closed form cancels catastrophically here (e.g. kl(1e6, 1e6+1) ~ 5e-13 from O(1e6)
    # terms); the module's target is still ~1e-10 relative
    got = cb.kl(bq, bp)
    assert got >= 0
    check_close(got, ref(mp_kl, bq, bp), rtol=RTOL_KL_NEAR, atol=ATOL_UNDERFLOW, bq=bq, bp=bp)


DENSITY = {
    "log_pdf": (cb.log_pdf, mp_log_pdf),
    "pdf": (cb.pdf, mp_pdf),
    "cdf": (cb.cdf, mp_cdf),
}


def _log_pdf_atol(x, b):
    # log_pdf crosses zero; its natural parts b(x - sign b) and ln|b| - ln(1 - exp(-2|b|)) (an
    # O(1) term for |b| <= 1) are each computable to a few ulp, so the absolute error floor is
    # a few eps times their size
    return 4 * EPS * (np.abs(b * (x - np.sign(b))) + np.log(np.maximum(np.abs(b), 1.0)) + 1.0)


@pytest.mark.parametrize("name", list(DENSITY))
def test_density_functions_match_mpmath_on_one_grid(name):
    fn, mp_fn = DENSITY[name]
    x = np.array(X_GRID)[:, None]
    b = np.array(B_DENSITY)[None, :]
    got = fn(x, b)
    assert got.shape == (x.size, b.size) and got.dtype == np.float64
    atol = _log_pdf_atol(x, b) if name == "log_pdf" else ATOL_UNDERFLOW
    check_close(got, ref(mp_fn, x, b), rtol=RTOL, atol=atol, x=x, b=b)


def test_ppf_matches_mpmath_on_one_grid():
    u = np.array(U_GRID)[:, None]
    b = np.array(B_DENSITY)[None, :]
    got = cb.ppf(u, b)
    assert got.shape == (len(U_GRID), len(B_DENSITY))
    # x lies in [-1, 1] and is naturally formed as +-1 plus a correction of size <= 2, so near
    # x = 0 the error floor is a few eps absolute rather than relative
    check_close(got, ref(mp_ppf, u, b), rtol=RTOL, atol=4 * EPS, u=u, b=b)


@pytest.mark.parametrize("fn", [cb.log_pdf, cb.pdf, cb.cdf, cb.ppf, cb.kl])
def test_two_argument_functions_scalar_in_scalar_out(fn):
    assert np.ndim(fn(0.25, 1.5)) == 0


def test_integer_and_list_inputs_give_float64():
    for fn in (cb.langevin, cb.langevin_prime, cb.log_partition, cb.entropy):
        got = fn([0, 1, 2])
        assert np.asarray(got).dtype == np.float64
        assert_array_equal(got, fn(np.array([0.0, 1.0, 2.0])))
    assert_array_equal(cb.kl([1, 2], 0), cb.kl(np.array([1.0, 2.0]), 0.0))
    assert_array_equal(cb.pdf([-1, 0, 1], 2), cb.pdf(np.array([-1.0, 0.0, 1.0]), 2.0))


def _random_b(rng, n, lo, hi):
    """n natural parameters with log-uniform magnitude 10^lo .. 10^hi and random sign."""
    return 10.0 ** rng.uniform(lo, hi, n) * rng.choice([-1.0, 1.0], n)


@pytest.mark.parametrize("name", list(SINGLE) + ["kl", "log_pdf", "pdf", "cdf", "ppf"])
def test_random_inputs_match_mpmath(name):
    # Seeded random inputs where implementations switch between series, closed forms and
    # asymptotics (|b| ~ 1e-8 .. 1e4), to catch a branch boundary the grids above miss; the
    # far extremes are on the grids. (Fixed seed: the same points on every run.)
    rng = np.random.default_rng(2025)
    if name in SINGLE:
        fn, mp_fn = SINGLE[name]
        b = _random_b(rng, 300, -8.0, 4.0)
        check_close(fn(b), ref(mp_fn, b), rtol=RTOL, atol=ATOL_UNDERFLOW, b=b)
    elif name == "kl":
        # pairs at every relative distance, from nearly equal to opposite signs
        bq = _random_b(rng, 300, -6.0, 3.0)
        bp = bq * (1 + 10.0 ** rng.uniform(-12, 0.5, 300) * rng.choice([-1.0, 1.0], 300))
        expected = ref(mp_kl, bq, bp)
        check_close(cb.kl(bq, bp), expected, rtol=_kl_rtol(expected), atol=ATOL_UNDERFLOW,
                    bq=bq, bp=bp)
    elif name == "ppf":
        u = np.concatenate([rng.uniform(0, 1, 150), 10.0 ** rng.uniform(-300, 0, 50)])
        b = _random_b(rng, 200, -12.0, 7.0)
        check_close(cb.ppf(u, b), ref(mp_ppf, u, b), rtol=RTOL, atol=4 * EPS, u=u, b=b)
    else:
        fn, mp_fn = DENSITY[name]
        x = rng.uniform(-1, 1, 200)
        b = _random_b(rng, 200, -12.0, 7.0)
        atol = _log_pdf_atol(x, b) if name == "log_pdf" else ATOL_UNDERFLOW
        check_close(fn(x, b), ref(mp_fn, x, b), rtol=RTOL, atol=atol, x=x, b=b)


# --------------------------------------------------------------------------------------------
# 2. Independent identities: quadrature, finite differences
# --------------------------------------------------------------------------------------------
QUAD_B = [1e-8, -1e-8, 0.3, -0.3, 5.0, -5.0, 60.0, -60.0]


def _quad(f, b, *, epsrel=1e-13, epsabs=0.0):
    """Integral of f over [-1, 1]; the density lives in a layer of width ~1/|b| at sign(b), so
    give quad the layer's edges as breakpoints. (An IntegrationWarning is an error here.)"""
    points = None
    if abs(b) > 2:
        s = np.sign(b)
        points = [s * (1 - 1 / abs(b)), s * (1 - 10 / abs(b))]
    value, err = integrate.quad(f, -1.0, 1.0, epsabs=epsabs, epsrel=epsrel, limit=200,
                                points=points)
    assert err <= 10 * (epsrel * abs(value) + epsabs)
    return value


@pytest.mark.parametrize("b", QUAD_B, ids=_ids(QUAD_B))
def test_density_moments_by_quadrature(b):
    # quad is asked for 1e-13 relative; 1e-11 leaves a margin for its accumulated rounding
    mass = _quad(lambda x: cb.pdf(x, b), b)
    # The mean of a nearly uniform density is a cancellation of odd parts of size ~1/2: fold
    # the integral onto [0, 1], where x (p(x) - p(-x)) carries an absolute rounding floor of
    # ~1e-16 x |x|; ask quad for 1e-17 absolute and allow 1e-15.
    pts = [1 - 1 / abs(b), 1 - 10 / abs(b)] if abs(b) > 2 else None
    mean, err = integrate.quad(lambda x: x * (cb.pdf(x, b) - cb.pdf(-x, b)), 0.0, 1.0,
                               epsabs=1e-17, epsrel=1e-13, limit=200, points=pts)
    assert err <= 10 * (1e-13 * abs(mean) + 1e-17)
    var = _quad(lambda x: (x - mean) ** 2 * cb.pdf(x, b), b)
    ent = _quad(lambda x: -cb.pdf(x, b) * cb.log_pdf(x, b), b)
    assert_allclose(mass, 1.0, rtol=1e-11, atol=0)
    assert_allclose(cb.langevin(b), mean, rtol=1e-11, atol=1e-15)
    assert_allclose(cb.langevin_prime(b), var, rtol=1e-11, atol=0)
    assert_allclose(cb.entropy(b), ent, rtol=1e-11, atol=0)


@pytest.mark.parametrize("b", QUAD_B, ids=_ids(QUAD_B))
def test_cdf_is_the_integral_of_the_pdf(b):
    for x in (-0.9, -0.2, 0.4, 0.95):
        value, err = integrate.quad(lambda t: cb.pdf(t, b), -1.0, x, epsabs=0.0, epsrel=1e-13,
                                    limit=200)
        assert err <= 1e-12 * value
        assert_allclose(cb.cdf(x, b), value, rtol=1e-11, atol=0)


def _five_point(f, b, h):
    return (-f(b + 2 * h) + 8 * f(b + h) - 8 * f(b - h) + f(b - 2 * h)) / (12 * h)


FD_B = [0.0, 1e-6, -1e-6, 0.01, -0.01, 0.3, -0.3, 1.0, -1.0, 2.7, -2.7, 10.0, -10.0, 40.0, -40.0]


@pytest.mark.parametrize("b", FD_B, ids=_ids(FD_B))
def test_derivatives_by_finite_differences(b):
    # Five-point central difference with h = 1e-3 max(1, |b|): truncation h^4 f'''''/30 is
    # <= ~4 (h/b)^4 ~ 4e-12 relative, rounding ~1.5 eps max|f| / h. The rounding floor is an
    # absolute error, so it enters as atol (20x the estimate); rtol 1e-10 covers truncation.
    h = 1e-3 * max(1.0, abs(b))
    stencil = b + h * np.array([-2.0, -1.0, 1.0, 2.0])
    fd_lp = _five_point(cb.langevin, b, h)
    atol = 20 * 1.5 * EPS * np.max(np.abs(cb.langevin(stencil))) / h
    assert_allclose(cb.langevin_prime(b), fd_lp, rtol=1e-10, atol=atol)
    fd_l = _five_point(cb.log_partition, b, h)
    atol = 20 * 1.5 * EPS * np.max(np.abs(cb.log_partition(stencil))) / h
    assert_allclose(cb.langevin(b), fd_l, rtol=1e-10, atol=atol)


KL_QUAD = [(0.3, -2.0), (5.0, 1.0), (-4.0, 3.0), (1e-8, 2.0), (2.0, 1e-8), (60.0, 59.0),
           (-0.7, -0.2)]


@pytest.mark.parametrize("bq, bp", KL_QUAD, ids=[f"{q!r},{p!r}" for q, p in KL_QUAD])
def test_kl_is_the_integral_of_q_log_q_over_p(bq, bp):
    # the integrand's log-ratio carries an absolute error ~eps |b| (1e-14 at b = 60) against a
    # divergence that can be ~1e-4 (60 vs 59), so quadrature is good to ~1e-10 relative at worst
    value = _quad(lambda x: cb.pdf(x, bq) * (cb.log_pdf(x, bq) - cb.log_pdf(x, bp)), bq,
                  epsrel=1e-12)
    assert_allclose(cb.kl(bq, bp), value, rtol=1e-10, atol=0)


def test_kl_is_nonnegative_and_zero_on_the_diagonal():
    b = np.array(B_GRID)
    d = cb.kl(b[:, None], b[None, :])
    assert np.all(d >= 0), (b[np.argwhere(d < 0)[:, 0]], b[np.argwhere(d < 0)[:, 1]])
    assert_array_equal(np.diag(d), 0.0)
    near_q, near_p = np.array(KL_NEAR).T
    assert np.all(cb.kl(near_q, near_p) >= 0)


def test_entropy_is_at_most_ln2_with_equality_at_zero():
    b = np.array(B_ALL)
    h = cb.entropy(b)
    assert np.all(h <= math.log(2))
    assert cb.entropy(0.0) == pytest.approx(math.log(2), rel=EPS)
    # strictly below ln 2 once the deficit ~b^2/6 is resolvable
    assert np.all(h[np.abs(b) >= 1e-4] < math.log(2))


def test_entropy_near_its_zero_crossing():
    # H(b) = 0 at |b| = 2.63...: relative accuracy is meaningless at the root; the closed
    # form's terms A and bL are ~2 there, so the absolute floor is a few eps x 2 < 1e-15
    with mpmath.workdps(60):
        root = float(mpmath.findroot(mp_entropy, 2.7))
    b = root * (1 + np.linspace(-1e-9, 1e-9, 21))
    b = np.concatenate([b, -b])
    # H ~ 1e-17 at the float nearest the root: 40 more digits keep 50 significant ones
    check_close(cb.entropy(b), ref(mp_entropy, b, extra=40), rtol=RTOL, atol=1e-15, b=b)


# --------------------------------------------------------------------------------------------
# 3. Inverse Langevin function
# --------------------------------------------------------------------------------------------
_M_SPECIAL = [0.0, 1e-300, 1e-12, 1e-4, 0.5, 1 - 1e-8, 1 - 1e-15, 1 - 2.0**-53, TINY]
M_SPECIAL = np.array(_M_SPECIAL + [-m for m in _M_SPECIAL[1:]])
M_DENSE = np.concatenate([np.linspace(-1, 1, 4001)[1:-1], M_SPECIAL])


def test_inverse_langevin_round_trip_in_mean():
    # L(L^-1(m)) = m through the module's own L: ~1e-15 absolute (a few ulp of m for |m| ~ 1:
    # L^-1's backward error, pinned at 4 eps by the mpmath residual test below, plus L's own
    # rounding). For tiny |m| an absolute test is empty, so there check 1e-14 relative.
    b = cb.inverse_langevin(M_DENSE)
    assert b.shape == M_DENSE.shape and np.all(np.isfinite(b))
    assert np.all(np.sign(b) == np.sign(M_DENSE))
    m_back = cb.langevin(b)
    check_close(m_back, M_DENSE, rtol=0, atol=1e-15, m=M_DENSE)
    small = np.abs(M_DENSE) < 1e-3
    check_close(m_back[small], M_DENSE[small], rtol=1e-14, atol=0, m=M_DENSE[small])


def test_inverse_langevin_residual_in_high_precision():
    # The same backward error, measured with mpmath's L (so cb.langevin cannot mask an error):
    # |L_exact(b_returned) - m| <= 4 eps |m|. A Pade approximation fails this by orders of
    # magnitude.
    m = np.concatenate([np.linspace(-1, 1, 201)[1:-1], M_SPECIAL])
    b = cb.inverse_langevin(m)
    check_close(ref(mp_langevin, b), m, rtol=4 * EPS, atol=0, m=m)


def _condition(b):
    # relative condition number of m -> L^-1(m) at m = L(b): L(b) / (b L'(b)); 1 at b = 0,
    # ~|b| for large |b| (L saturates, so a relative change in 1 - m moves b by as much)
    return 1.0 if b == 0 else abs(_ref(mp_langevin, 0, b) / (b * _ref(mp_langevin_prime, 0, b)))


INV_B = [0.0, 1e-300, 1e-12, 1e-4, 0.5, 1.0, 3.0, 40.0, 700.0, 1e6, 1e10]
INV_B = INV_B + [-b for b in INV_B[1:]]


@pytest.mark.parametrize("b", INV_B, ids=_ids(INV_B))
def test_inverse_langevin_round_trip_in_b(b):
    # m = L(b) is known to ~1 ulp (rounding) and L^-1 amplifies relative errors by kappa, so
    # the achievable relative error is ~kappa eps; allow 4 (kappa + 1) eps.
    kappa = _condition(b)
    got = cb.inverse_langevin(cb.langevin(b))
    check_close(got, b, rtol=4 * EPS * (kappa + 1), atol=0, b=b)


def test_inverse_langevin_is_monotone_and_odd():
    b = cb.inverse_langevin(M_DENSE[np.argsort(M_DENSE)])
    assert np.all(np.diff(b) >= 0)
    m = np.linspace(0, 1, 1001)[1:-1]
    assert_allclose(cb.inverse_langevin(-m), -cb.inverse_langevin(m), rtol=2 * EPS, atol=0)


# --------------------------------------------------------------------------------------------
# 4. Sampling
# --------------------------------------------------------------------------------------------
KS_B = [-40.0, -2.0, -1e-6, 0.0, 0.7, 5.0, 300.0]


@pytest.mark.parametrize("i, b", list(enumerate(KS_B)), ids=_ids(KS_B))
def test_samples_pass_kolmogorov_smirnov(i, b):
    x = cb.sample(b, rng=2025 + i, size=20000)
    assert x.shape == (20000,) and x.dtype == np.float64
    assert np.all((x >= -1) & (x <= 1))
    assert stats.kstest(x, lambda t: cb.cdf(t, b)).pvalue > 1e-3


def test_kolmogorov_smirnov_has_power_here():
    # the test above is not vacuous: 20000 draws tell b = 0.7 from b = 0.8
    x = cb.sample(0.7, rng=2029, size=20000)
    assert stats.kstest(x, lambda t: cb.cdf(t, 0.8)).pvalue < 1e-3


def test_ppf_inverts_cdf():
    x = np.linspace(-1, 1, 201)[:, None]
    b = np.array([-40.0, -3.0, -0.5, -1e-6, 0.0, 1e-6, 0.5, 3.0, 40.0])[None, :]
    # x = F^-1(u) with u = F(x) rounded to ~1 ulp: dx ~ eps F(x) / p(x), and
    # F(x) / p(x) = -expm1(-b (x + 1)) / b (x + 1 at b = 0); allow 8x that, plus the few-eps
    # absolute floor of ppf near x = 0 (see test_ppf_matches_mpmath_on_one_grid)
    # Where 1 - F(x) is below ~16 eps, F(x) rounds to (or next to) 1 and x is not recoverable
    # from u at all (b = -40, x = -0.06: F = 1 - 5e-17 = 1.0, ppf(1.0) = 1): skip those points.
    bb = np.where(b == 0, 1.0, b)
    f_over_p = np.where(b == 0, x + 1, -np.expm1(-b * (x + 1)) / bb)
    sf = np.where(b == 0, (1 - x) / 2,
                  np.exp(b * (x + 1)) * np.expm1(b * (1 - x)) / np.expm1(2 * bb))
    keep = np.broadcast_to(sf >= 16 * EPS, f_over_p.shape)
    xx = np.broadcast_to(x, keep.shape)[keep]
    bk = np.broadcast_to(b, keep.shape)[keep]
    check_close(cb.ppf(cb.cdf(xx, bk), bk), xx, rtol=4 * EPS,
                atol=8 * EPS * np.abs(f_over_p[keep]) + 4 * EPS, x=xx, b=bk)
    # the other way round: an error dx in x = ppf(u) moves F by p(x) dx <= max(|b|, 1/2) dx
    u = np.linspace(0, 1, 201)[:, None]
    check_close(cb.cdf(cb.ppf(u, b), b), u * np.ones_like(b), rtol=4 * EPS,
                atol=8 * EPS * np.maximum(np.abs(b), 1.0), u=u, b=b)


def test_ppf_and_cdf_endpoints():
    b = np.array(B_DENSITY + B_EDGE)
    assert_array_equal(cb.ppf(0.0, b), -1.0)
    assert_array_equal(cb.ppf(1.0, b), 1.0)
    assert_array_equal(cb.cdf(-1.0, b), 0.0)
    assert_array_equal(cb.cdf(1.0, b), 1.0)
    x = np.linspace(-1, 1, 101)[:, None]
    F = cb.cdf(x, b)
    assert np.all(np.diff(F, axis=0) >= 0) and np.all((F >= 0) & (F <= 1))


def test_samples_at_extreme_b_stay_in_the_support():
    for b, edge in ((1e6, 1.0), (-1e6, -1.0)):
        x = cb.sample(b, rng=11, size=20000)
        assert np.all((x >= -1) & (x <= 1))
        gap = np.abs(x - edge)
        # |x - edge| ~ Exponential(mean 1/|b| = 1e-6): P(gap > 1e-5) = e^-10 ~ 5e-5
        assert np.mean(gap < 1e-5) > 0.999
        # sample mean of the gap: 1e-6 (minus e^-2e6) with standard error 1e-6 / sqrt(20000)
        assert abs(gap.mean() - 1e-6) < 5 * 1e-6 / math.sqrt(20000)
    b = np.array([-1e300, -1e15, -1e6, -1e-300, 0.0, SUBNORMAL, 1e-300, 1e6, 1e15, 1e300])
    x = cb.sample(b, rng=3, size=(500, b.size))
    assert x.shape == (500, b.size)
    assert np.all((x >= -1) & (x <= 1))
    # |x - sign b| ~ |ln u| / |b| with |ln u| < 40 for u >= 2^-53: far below one ulp at 1e300,
    # below 4e-14 at 1e15
    assert_array_equal(x[:, 0], -1.0)
    assert_array_equal(x[:, -1], 1.0)
    assert np.all(np.abs(x[:, [1, -2]] - np.sign(b[[1, -2]])) < 4e-14)


def test_sampling_is_reproducible():
    b = np.array([-3.0, 0.0, 0.2, 8.0])
    a1 = cb.sample(b, rng=7, size=(1000, 4))
    a2 = cb.sample(b, rng=7, size=(1000, 4))
    assert_array_equal(a1, a2)
    g1 = cb.sample(b, rng=np.random.default_rng(7), size=(1000, 4))
    g2 = cb.sample(b, rng=np.random.default_rng(7), size=(1000, 4))
    assert_array_equal(g1, g2)
    assert not np.array_equal(a1, cb.sample(b, rng=8, size=(1000, 4)))
    gen = np.random.default_rng(5)   # a Generator is consumed, not reset
    assert not np.array_equal(cb.sample(b, rng=gen, size=(100, 4)),
                              cb.sample(b, rng=gen, size=(100, 4)))


def test_sample_shapes_and_signature():
    assert inspect.signature(cb.sample).parameters["rng"].kind is inspect.Parameter.KEYWORD_ONLY
    assert np.shape(cb.sample(0.5, rng=0)) == ()
    assert np.shape(cb.sample(np.zeros(3), rng=0)) == (3,)
    assert np.shape(cb.sample(0.5, rng=0, size=5)) == (5,)
    assert np.shape(cb.sample(np.zeros(3), rng=0, size=(4, 3))) == (4, 3)
    assert np.shape(cb.sample(np.zeros(3), rng=0, size=(4, 1))) == (4, 3)   # broadcast with b
    assert np.shape(cb.sample(np.zeros((2, 1)), rng=0, size=(2, 5))) == (2, 5)


# --------------------------------------------------------------------------------------------
# 5. Symmetries (exact up to a few ulp: the two sides may take mirrored branches)
# --------------------------------------------------------------------------------------------
def test_parity():
    b = np.array(B_ALL)
    assert_allclose(cb.langevin(-b), -cb.langevin(b), rtol=2 * EPS, atol=0)
    assert_allclose(cb.langevin_prime(-b), cb.langevin_prime(b), rtol=2 * EPS, atol=0)
    assert_allclose(cb.log_partition(-b), cb.log_partition(b), rtol=2 * EPS, atol=0)
    assert_allclose(cb.entropy(-b), cb.entropy(b), rtol=2 * EPS, atol=0)


def test_density_reflection():
    x = np.array(X_GRID)[:, None]
    b = np.array(B_DENSITY)[None, :]
    # exp of a mirrored exponent of size up to ~700 can differ by ~700 ulp between branches
    assert_allclose(cb.pdf(-x, -b), cb.pdf(x, b), rtol=1e-13, atol=ATOL_UNDERFLOW)
    assert_allclose(cb.log_pdf(-x, -b), cb.log_pdf(x, b), rtol=1e-13, atol=1e-13)
    # F(x; b) = 1 - F(-x; -b): check in the direction that does not cancel
    assert_allclose(cb.cdf(x, b) + cb.cdf(-x, -b), 1.0, rtol=0, atol=4 * EPS)
    # ppf(u; b) = -ppf(1 - u; -b), at u with 1 - u exact (otherwise the check is ill-conditioned
    # in the tails); each side is within rtol 1e-12 / atol 4 eps of the truth
    u = np.array([0.0, 2.0**-40, 2.0**-20, 0.25, 0.5, 0.75, 1 - 2.0**-20, 1 - 2.0**-40,
                  1.0])[:, None]
    assert_allclose(cb.ppf(u, b), -cb.ppf(1 - u, -b), rtol=2e-12, atol=8 * EPS)


def test_kl_reflection():
    b = np.array(B_PAIR)
    d = cb.kl(b[:, None], b[None, :])
    d_mirror = cb.kl(-b[:, None], -b[None, :])
    # each side is within its own target of the truth
    check_close(d_mirror, d, rtol=2 * _kl_rtol(d), atol=ATOL_UNDERFLOW,
                bq=b[:, None], bp=b[None, :])


# --------------------------------------------------------------------------------------------
# Largest floats: |b| > FMAX / 2 is still a finite input; every result below is representable
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(SINGLE))
@pytest.mark.parametrize("b", B_HUGE, ids=_ids(B_HUGE))
def test_single_argument_functions_at_the_largest_floats(name, b):
    # e.g. L(FMAX) = 1, A(FMAX) = FMAX (to rounding), H(FMAX) = 1 - ln(FMAX) = -708.78
    fn, mp_fn = SINGLE[name]
    check_close(fn(b), ref(mp_fn, b), rtol=RTOL, atol=ATOL_UNDERFLOW, b=b)


def test_kl_at_the_largest_floats():
    # pairs whose divergence is representable (kl(-1, FMAX) ~ 1.3 FMAX is not)
    bq = np.array([FMAX, FMAX, 0.0, 1.0, -FMAX, TINY, 1e300, 1e308])
    bp = np.array([0.0, 1.0, FMAX, FMAX, -1.0, 0.0, FMAX, 3.0])
    expected = ref(mp_kl, bq, bp)
    assert np.all(np.isfinite(expected))
    check_close(cb.kl(bq, bp), expected, rtol=_kl_rtol(expected), atol=ATOL_UNDERFLOW, bq=bq, bp=bp)


@pytest.mark.parametrize("name", list(DENSITY) + ["ppf"])
def test_density_functions_at_the_largest_floats(name):
    b = np.array(B_HUGE)[None, :]
    if name == "ppf":
        fn, mp_fn, x, atol = cb.ppf, mp_ppf, np.array(U_GRID)[:, None], 4 * EPS
    else:
        fn, mp_fn = DENSITY[name]
        # x on the side of sign(b) keeps log_pdf = b (x - sign b) + ln|b| above -FMAX
        half = np.array([0.0, 0.3, 0.5, 1 - 2.0**-52, 1.0])[:, None]
        x = half * np.sign(b)
        atol = _log_pdf_atol(x, b) if name == "log_pdf" else ATOL_UNDERFLOW
    check_close(fn(x, b), ref(mp_fn, x, b), rtol=RTOL, atol=atol, x=x, b=b)


def test_sampling_at_the_largest_floats():
    b = np.array(B_HUGE)
    x = cb.sample(b, rng=3, size=(100, b.size))
    assert_array_equal(x, np.broadcast_to(np.sign(b), x.shape))


# --------------------------------------------------------------------------------------------
# 6. Bad input
# --------------------------------------------------------------------------------------------
NONFINITE = [np.nan, np.inf, -np.inf]

CALLS = [  # (label, argument name, call with the bad value v)
    ("langevin", "b", lambda v: cb.langevin(v)),
    ("langevin_prime", "b", lambda v: cb.langevin_prime(v)),
    ("fisher_information", "b", lambda v: cb.fisher_information(v)),
    ("log_partition", "b", lambda v: cb.log_partition(v)),
    ("entropy", "b", lambda v: cb.entropy(v)),
    ("inverse_langevin", "mean", lambda v: cb.inverse_langevin(v)),
    ("kl", "bq", lambda v: cb.kl(v, 0.5)),
    ("kl", "bp", lambda v: cb.kl(0.5, v)),
    ("log_pdf", "x", lambda v: cb.log_pdf(v, 0.5)),
    ("log_pdf", "b", lambda v: cb.log_pdf(0.5, v)),
    ("pdf", "x", lambda v: cb.pdf(v, 0.5)),
    ("pdf", "b", lambda v: cb.pdf(0.5, v)),
    ("cdf", "x", lambda v: cb.cdf(v, 0.5)),
    ("cdf", "b", lambda v: cb.cdf(0.5, v)),
    ("ppf", "u", lambda v: cb.ppf(v, 0.5)),
    ("ppf", "b", lambda v: cb.ppf(0.5, v)),
    ("sample", "b", lambda v: cb.sample(v, rng=0)),
    ("sample", "b", lambda v: cb.sample(v, rng=0, size=3)),
]


@pytest.mark.parametrize("bad", NONFINITE, ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("label, arg, call", CALLS, ids=[f"{c[0]}-{c[1]}" for c in CALLS])
@pytest.mark.parametrize("in_array", [False, True], ids=["scalar", "array"])
def test_nonfinite_input_raises(label, arg, call, bad, in_array):
    # in an array, the bad value hides among good ones
    v = np.array([0.25, bad, -0.5]) if in_array else bad
    with pytest.raises(ValueError, match=rf"\b{arg}\b"):
        call(v)


OUT_OF_RANGE = [
    ("inverse_langevin", "mean", lambda v: cb.inverse_langevin(v), [1.0, -1.0, 1.5, -1e300]),
    ("log_pdf", "x", lambda v: cb.log_pdf(v, 0.5), [1 + 2 * EPS, -1 - 2 * EPS, 2.0, -1e300]),
    ("pdf", "x", lambda v: cb.pdf(v, 0.5), [1 + 2 * EPS, -1 - 2 * EPS, 2.0, -1e300]),
    ("cdf", "x", lambda v: cb.cdf(v, 0.5), [1 + 2 * EPS, -1 - 2 * EPS, 2.0, -1e300]),
    ("ppf", "u", lambda v: cb.ppf(v, 0.5), [-SUBNORMAL, 1 + 2 * EPS, 1.5, -0.5]),
]


@pytest.mark.parametrize("label, arg, call, values", OUT_OF_RANGE, ids=[c[0] for c in OUT_OF_RANGE])
def test_out_of_range_input_raises(label, arg, call, values):
    for v in values:
        with pytest.raises(ValueError, match=rf"\b{arg}\b"):
            call(v)
        with pytest.raises(ValueError, match=rf"\b{arg}\b"):
            call(np.array([0.0, v]))


def test_boundary_values_are_accepted():
    assert np.all(np.isfinite(cb.pdf(np.array([-1.0, 1.0]), 2.0)))
    assert np.all(np.isfinite(cb.log_pdf(np.array([-1.0, 1.0]), 2.0)))
    assert np.all(np.isfinite(cb.ppf(np.array([0.0, 1.0]), 2.0)))
    assert np.isfinite(cb.inverse_langevin(1 - 2.0**-53))


def test_sample_rejects_a_bad_rng():
    with pytest.raises(TypeError, match="rng"):
        cb.sample(0.5, rng="seed")
    with pytest.raises(TypeError):
        cb.sample(0.5)   # rng is required


# ---------------------------------------------------------------------------------------------
# Shapes of two array arguments and the size of a sample: checked up front, named in the error


@pytest.mark.parametrize("call, first, second", [
    (lambda a, b: cb.kl(a, b), "bq", "bp"),
    (lambda a, b: cb.log_pdf(a, b), "x", "b"),
    (lambda a, b: cb.pdf(a, b), "x", "b"),
    (lambda a, b: cb.cdf(a, b), "x", "b"),
    (lambda a, b: cb.ppf(a, b), "u", "b"),
])
def test_mismatched_shapes_name_both_arguments(call, first, second):
    for a, b in ((np.full(3, 0.5), np.full(2, 0.5)), (np.zeros(0), np.full(2, 0.5)),
                 (np.full((2, 3), 0.5), np.full(2, 0.5))):
        with pytest.raises(ValueError, match=rf"^{first} and {second} must broadcast") as info:
            call(a, b)
        assert f"({first})" in str(info.value) and f"({second})" in str(info.value)


def test_empty_input_gives_an_empty_result():
    assert cb.kl(np.zeros(0), 0.5).shape == (0,)
    assert cb.cdf(np.zeros((0, 2)), np.ones(2)).shape == (0, 2)
    assert cb.langevin([]).shape == (0,)


@pytest.mark.parametrize("size, error", [
    (2.5, TypeError), (float("nan"), TypeError), ("3", TypeError), (None, None), (True, TypeError),
    ([3, 2.0], TypeError), (np.array([3.0, 2.0]), TypeError), (np.zeros((1, 2), int), ValueError),
    (-1, ValueError), ((3, -2), ValueError), (0, ValueError), ((3, 3), ValueError),
])
def test_sample_checks_size(size, error):
    if error is None:
        assert cb.sample(np.array([0.5, -1.0]), rng=0, size=size).shape == (2,)
        return
    with pytest.raises(error, match=r"^size\b"):
        cb.sample(np.array([0.5, -1.0]), rng=0, size=size)


def test_sample_size_forms_agree_bit_for_bit():
    b = np.array([0.5, -1.0])
    ref = cb.sample(b, rng=3, size=(4, 2))
    for size in ([4, 2], np.array([4, 2]), (np.int64(4), 2)):
        assert_array_equal(cb.sample(b, rng=3, size=size), ref)
    assert_array_equal(cb.sample(0.5, rng=3, size=np.int64(5)), cb.sample(0.5, rng=3, size=5))
