"""Numerically delicate scalar functions of the continuous Bernoulli family, in one place.

Everything here is a scalar ``numba.njit`` function: the compiled network kernels call them
directly, and :mod:`fep_core.cb` wraps them as vectorised ufuncs. Each function is accurate to
about 1e-13 relative for every finite float64 input:

* near ``b = 0`` the closed forms cancel catastrophically, so ``|b| < 0.5`` uses the Taylor
  series of ``L(b) = coth b - 1/b`` (coefficients from Bernoulli numbers);
* for large ``|b|`` ``sinh`` and ``exp(b)`` overflow, so everything is written in terms of
  ``exp(-2|b|)``, ``expm1`` and ``log1p``, which never overflow.

Notation: ``L`` Langevin function (mean), ``A`` log-partition, ``e = exp(-2|b|)``,
``g(b) = log1p(-e)``, so that ``A(b) = |b| + g - ln|b|`` for ``|b| >= 0.5``.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from numba import literal_unroll, njit

# ---------------------------------------------------------------------------------------------
# Series coefficients. L(b) = sum_{n>=1} c_n b^(2n-1) with c_n = 2^(2n) B_(2n) / (2n)!.
_BERNOULLI_2N = [Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30),
                 Fraction(5, 66), Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510),
                 Fraction(43867, 798), Fraction(-174611, 330), Fraction(854513, 138),
                 Fraction(-236364091, 2730), Fraction(8553103, 6), Fraction(-23749461029, 870),
                 Fraction(8615841276005, 14322)]


def _series_coefficients():
    c = []
    for k, b2n in enumerate(_BERNOULLI_2N, start=1):
        c.append(Fraction(2 ** (2 * k)) * b2n / math.factorial(2 * k))
    return c


_C = _series_coefficients()
# Coefficients for Horner's scheme in z = b^2, highest order first.
_L_COEF = np.array([float(c) for c in _C][::-1])                       # L(b)/b
_LP_COEF = np.array([float(c * (2 * n - 1)) for n, c in enumerate(_C, 1)][::-1])   # L'(b)
_A_COEF = np.array([float(c / (2 * n)) for n, c in enumerate(_C, 1)][::-1])        # (A(b)-ln2)/b^2
# (H-ln2)/b^2
_H_COEF = np.array([float(c * (Fraction(1, 2 * n) - 1)) for n, c in enumerate(_C, 1)][::-1])
_L_COEF_TUPLE = tuple(_L_COEF)        # for the kernels' unrolled form (see langevin_given_exp)
_SMALL = 0.5          # below this |b| the series are used (15 terms: truncation < 1e-20 relative)
_LN2 = math.log(2.0)
# Gauss-Legendre rule on [0, 1] for the Bregman (integral) form of the KL divergence.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(24)
_GL_T = 0.5 * (_GL_X + 1.0)
_GL_W = 0.5 * _GL_W


_FMAX = np.finfo(np.float64).max


@njit(cache=True, error_model="numpy")
def _exp_m2(a):
    """``exp(-2a)`` for ``a >= 0`` without forming ``2a`` (which overflows past FMAX/2); it is 0
    to double precision beyond ``a = 400`` anyway."""
    return 0.0 if a > 400.0 else math.exp(-2.0 * a)


@njit(cache=True, error_model="numpy")
def _horner(coef, z):
    acc = 0.0
    for c in coef:
        acc = acc * z + c
    return acc


@njit(cache=True, error_model="numpy")
def _horner_unrolled(coef, z):
    """:func:`_horner` for a tuple of coefficients, unrolled at compile time (same arithmetic)."""
    acc = 0.0
    for c in literal_unroll(coef):
        acc = acc * z + c
    return acc


@njit(cache=True, error_model="numpy")
def langevin_given_exp(b, e):
    """``L(b)`` given ``e = exp(-2 max(|b|, 0.5))``: :func:`langevin`'s arithmetic for the
    network kernels' per-node loops.

    Both forms are evaluated and one is selected, and the series is unrolled, so that a loop
    over nodes vectorises (7x faster on 64 nodes than a loop over the coefficient array, which
    blocks vectorisation). The scalar functions keep the branch and the loop on purpose: if the
    compiler vectorised the ufuncs of :mod:`fep_core.cb`, it would evaluate both forms in every
    lane (``1/|b|`` at 0, ``-2|b|`` beyond FMAX/2), and numpy would report the floating-point
    flags of those discarded lanes as warnings.
    """
    a = max(abs(b), _SMALL)
    # coth|b| - 1 = 2e/(1-e) with e = exp(-2|b|) <= 0.37: no overflow, no cancellation.
    big = (1.0 - 1.0 / a) + 2.0 * e / (1.0 - e)
    big = big if b > 0.0 else -big
    small = b * _horner_unrolled(_L_COEF_TUPLE, b * b)
    return small if abs(b) < _SMALL else big


@njit(cache=True, error_model="numpy")
def langevin(b):
    """Mean of CB(b) on [-1, 1]: ``L(b) = coth(b) - 1/b``."""
    a = abs(b)
    if a < _SMALL:
        return b * _horner(_L_COEF, b * b)
    # coth|b| - 1 = 2e/(1-e) with e = exp(-2|b|) <= 0.37: no overflow, no cancellation.
    e = _exp_m2(a)
    val = (1.0 - 1.0 / a) + 2.0 * e / (1.0 - e)
    return val if b > 0 else -val


@njit(cache=True, error_model="numpy")
def langevin_prime(b):
    """Variance of CB(b) = Fisher information = ``L'(b) = 1/b^2 - 1/sinh(b)^2``."""
    a = abs(b)
    if a < _SMALL:
        return _horner(_LP_COEF, b * b)
    inv = 1.0 / a                       # (1/a)^2 underflows quietly where a*a would overflow
    if a > 350.0:
        return inv * inv
    e = _exp_m2(a)
    den = math.expm1(-2.0 * a)
    return inv * inv - 4.0 * e / (den * den)


@njit(cache=True, error_model="numpy")
def log_partition(b):
    """``A(b) = ln(2 sinh(b) / b)``, with ``A(0) = ln 2``."""
    a = abs(b)
    if a < _SMALL:
        z = b * b
        return _LN2 + z * _horner(_A_COEF, z)
    return a + math.log1p(-_exp_m2(a)) - math.log(a)


@njit(cache=True, error_model="numpy")
def entropy(b):
    """Differential entropy ``H(b) = A(b) - b L(b)`` (nats); ``ln 2`` at ``b = 0``."""
    a = abs(b)
    if a < _SMALL:
        z = b * b
        return _LN2 + z * _horner(_H_COEF, z)
    e = _exp_m2(a)
    # A - bL = g - ln|b| + 1 - |b| (coth|b| - 1), with coth|b| - 1 = 2e/(1-e); no large terms
    # cancel.
    return 1.0 - math.log(a) + math.log1p(-e) - a * (2.0 * e / (1.0 - e))


@njit(cache=True, error_model="numpy")
def _bregman_neg_log(ap, aq):
    """``x - log1p(x)`` with ``x = (ap - aq)/aq`` for positive ``ap, aq``, without cancellation.

    Near ``x = 0`` a series; elsewhere ``log(ap) - log(aq)`` replaces ``log1p(x)``, which would
    round to ``log(0)`` when ``ap << aq``.
    """
    x = (ap - aq) / aq
    if abs(x) < 0.1:
        acc = 0.0
        p = x
        for k in range(2, 26):
            p *= -x                    # p = (-1)^(k-1) x^k
            acc -= p / k               # sum_{k>=2} (-1)^k x^k / k
        return acc
    return x - (math.log(ap) - math.log(aq))


@njit(cache=True, error_model="numpy")
def _one_minus_sL(s, bq):
    """``1 - s L(bq)`` for a sign ``s``; exact form ``1/|bq| - (coth|bq| - 1)`` when it is small."""
    aq = abs(bq)
    if aq >= _SMALL and (bq > 0) == (s > 0):
        e = _exp_m2(aq)
        return 1.0 / aq - 2.0 * e / (1.0 - e)
    return 1.0 - s * langevin(bq)


@njit(cache=True, error_model="numpy")
def kl(bq, bp):
    """``KL[CB(bq) || CB(bp)] = A(bp) - A(bq) - (bp - bq) L(bq)`` (a Bregman divergence of A).

    Written as ``T - H(bq)`` with ``T = A(bp) - bp L(bq)``, in which no large terms cancel
    (``A(b) ~ |b|`` would cancel against ``b L(b)`` for huge arguments). When ``bq`` and ``bp``
    are close, ``T`` and ``H`` cancel instead; then the integral form
    ``d^2 * int_0^1 (1 - t) L'(bq + t d) dt`` (``d = bp - bq``, a sum of positive terms) is
    evaluated by Gauss-Legendre quadrature. For two large same-signed arguments the exact
    asymptotic form ``x - log1p(x)`` with ``x = (|bp| - |bq|)/|bq|`` is used.
    """
    d = bp - bq
    if d == 0.0:
        return 0.0
    aq = abs(bq)
    ap = abs(bp)
    if aq >= 40.0 and ap >= 40.0 and (bq > 0) == (bp > 0):
        # A(b) = |b| - ln|b| + O(exp(-80)): the exponential terms are below double precision.
        return _bregman_neg_log(ap, aq)
    if ap < _SMALL:
        t_part = log_partition(bp) - bp * langevin(bq)
    else:
        s = 1.0 if bp > 0 else -1.0
        w = _one_minus_sL(s, bq)
        if w > 1.0 and ap > _FMAX / w:
            return math.inf            # the divergence itself exceeds the float range
        t_part = ap * w + math.log1p(-_exp_m2(ap)) - math.log(ap)
    h = entropy(bq)
    direct = t_part - h
    if direct > 1e-3 * (abs(t_part) + abs(h)):
        return direct
    acc = 0.0
    for k in range(_GL_T.shape[0]):
        t = _GL_T[k]
        acc += _GL_W[k] * (1.0 - t) * langevin_prime(bq + t * d)
    return d * d * acc


@njit(cache=True, error_model="numpy")
def log_pdf(x, b):
    """Log density of CB(b) at ``x`` in [-1, 1]: ``b x - A(b)``."""
    a = abs(b)
    if a < _SMALL:
        return b * x - log_partition(b)
    s = 1.0 if b > 0 else -1.0
    # b x - A(b) = -|b| (1 - s x) + ln|b| - g(b): the two large terms |b| cancel exactly.
    d = 1.0 - s * x
    if d > 1.0 and a > _FMAX / d:
        return -math.inf               # the log density is below the float range
    return -a * d + math.log(a) - math.log1p(-_exp_m2(a))


@njit(cache=True, error_model="numpy")
def cdf(x, b):
    """Cumulative distribution function of CB(b) at ``x`` in [-1, 1]."""
    if abs(b) < 1e-150:
        return 0.5 * (x + 1.0) * (1.0 + 0.5 * b * (x - 1.0))
    # Beyond |b| = 1e300 the distribution is a point mass to double precision; clamping keeps
    # b (x -+ 1) finite.
    b = min(max(b, -1e300), 1e300)
    if b > 0:
        return math.exp(b * (x - 1.0)) * math.expm1(-b * (x + 1.0)) / math.expm1(-2.0 * b)
    return math.expm1(b * (x + 1.0)) / math.expm1(2.0 * b)


@njit(cache=True, error_model="numpy")
def ppf(u, b):
    """Inverse CDF of CB(b): maps ``u`` in [0, 1] to [-1, 1] (used for sampling).

    Stable forms of ``x = ln(exp(-b) + u (exp(b) - exp(-b))) / b``. For ``|b| >= 0.5``,
    ``x = 1 + ln(u + (1 - u) e) / b`` with ``e = exp(-2b)`` (mirrored for ``b < 0``): the log's
    argument lies in ``[e, 1]`` and nothing overflows. For ``|b| < 0.5`` the ``expm1``/``log1p``
    form keeps the ``O(b)`` deviation from ``2u - 1`` exact, with a first-order series below
    ``1e-8``. The result is clipped to [-1, 1] (rounding; ``u = 0`` when ``e`` underflows).
    """
    a = abs(b)
    if a >= _SMALL:
        e = _exp_m2(a)
        if b > 0:
            z = u + (1.0 - u) * e
            x = -1.0 if z <= 0.0 else 1.0 + math.log(z) / b
        else:
            z = (1.0 - u) + u * e
            x = 1.0 if z <= 0.0 else -1.0 + math.log(z) / b
    elif a < 1e-8:
        x = 2.0 * u - 1.0 + 2.0 * b * u * (1.0 - u)
    elif b > 0:
        x = 1.0 + math.log1p((1.0 - u) * math.expm1(-2.0 * b)) / b
    else:
        x = -1.0 + math.log1p(u * math.expm1(2.0 * b)) / b
    if x > 1.0:
        return 1.0
    if x < -1.0:
        return -1.0
    return x


@njit(cache=True, error_model="numpy")
def inverse_langevin(m):
    """Exact inverse of ``L`` on (-1, 1) by safeguarded Newton iteration.

    ``L`` is odd, increasing and concave on b > 0, and ``b/3 >= L(b) >= 1 - 1/b``, so the root
    for ``m > 0`` lies in ``[3m, 1/(1-m)]``. The start is Cohen's Pade approximation
    ``m (3 - m^2) / (1 - m^2)``; bisection takes over whenever Newton leaves the bracket.
    """
    if m == 0.0:
        return 0.0
    a = abs(m)
    lo = 3.0 * a
    hi = 1.0 / (1.0 - a)
    b = a * (3.0 - a * a) / (1.0 - a * a)
    if b < lo or b > hi:
        b = 0.5 * (lo + hi)
    for _ in range(200):
        f = langevin(b) - a
        if f == 0.0:
            break
        if f < 0.0:
            lo = b
        else:
            hi = b
        step = f / langevin_prime(b)
        nb = b - step
        if not (lo <= nb <= hi):
            nb = 0.5 * (lo + hi)
        if abs(nb - b) <= 2e-16 * b:
            b = nb
            break
        b = nb
    return b if m > 0 else -b


# ---------------------------------------------------------------------------------------------
# Vectorisable exp and log for the network kernels.
#
# libm's scalar exp/log cannot be vectorised by the compiler; across the n nodes of a step they
# cost more than the whole O(n^2) sweep. These array passes use fdlibm's formulations (range
# reduction + the same minimax polynomials, < 1 ulp) with the exponent handled through int64
# views, so the loops are branch-free and vectorise. Their domain is what the kernels need,
# including the extremes a sampler meets (a uniform of exactly 0 at a large precision):
# ``vexp_neg`` for x <= 0, subnormal results and underflow to 0 included; ``vlog_unit`` for z in
# [0, 1], subnormal z included and ``log 0 = -inf``.

_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e+00
_P1, _P2, _P3 = 1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05
_P4, _P5 = -1.65339022054652515390e-06, 4.13813679705723846039e-08
_LG1, _LG2, _LG3 = 6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01
_LG4, _LG5, _LG6 = 2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
_MANT = np.int64(0x000FFFFFFFFFFFFF)
_ONE_BITS = np.int64(0x3FF0000000000000)
_SQRT2_MANT = np.int64(0x6A09E667F3BCD)   # mantissa bits of sqrt(2)
_EXP_SUBNORMAL = -708.0                   # below: 2^k is not a normal number, scale in two steps
_EXP_UNDERFLOW = -745.1332191019412       # below: exp(x) rounds to 0 (fdlibm's threshold)
_TWO_M64 = 2.0 ** -64
_TINY = 2.2250738585072014e-308           # smallest normal double
_TWO_54 = 2.0 ** 54


@njit(cache=True, error_model="numpy")
def vexp_neg(x, out, ibuf, m):
    """``out[:m] = exp(x[:m])`` for ``x <= 0``. ``x`` and ``out`` distinct; ibuf: int64 (m,)."""
    fbuf = ibuf.view(np.float64)
    for i in range(m):
        xi = max(x[i], -746.0)
        k = math.floor(xi * _INV_LN2 + 0.5)
        hi = xi - k * _LN2_HI
        lo = k * _LN2_LO
        r = hi - lo
        t = r * r
        c = r - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
        out[i] = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
        kk = np.int64(k) + (64 if xi < _EXP_SUBNORMAL else 0)     # 2^k = 2^kk 2^-64
        ibuf[i] = (kk + 1023) << 52
    for i in range(m):
        xi = x[i]
        y = out[i] * fbuf[i]
        y = y * _TWO_M64 if xi < _EXP_SUBNORMAL else y     # one rounding into the subnormals
        out[i] = 0.0 if xi < _EXP_UNDERFLOW else y


@njit(cache=True, error_model="numpy")
def vlog_unit(z, out, ibuf, m):
    """``out[:m] = log(z[:m])`` for ``z`` in [0, 1] (``-inf`` at 0). ``z`` and ``out``
    distinct; ibuf: int64 (m,)."""
    ob = out.view(np.int64)
    fbuf = ibuf.view(np.float64)
    for i in range(m):
        zi = z[i]
        sub = zi < _TINY                           # subnormal (or 0): scale by 2^54 first
        out[i] = zi * _TWO_54 if sub else zi
        bits = ob[i]
        mant = bits & _MANT
        big = mant > _SQRT2_MANT                   # m in [sqrt2, 2): use m/2 and k + 1
        k = (bits >> 52) - 1023 + (1 if big else 0) - (54 if sub else 0)
        ibuf[i] = mant | (_ONE_BITS - (np.int64(1) << 52) if big else _ONE_BITS)
        out[i] = float(k)
    for i in range(m):
        f = fbuf[i] - 1.0
        s = f / (2.0 + f)
        z2 = s * s
        w = z2 * z2
        t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
        t2 = z2 * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
        R = t2 + t1
        hfsq = 0.5 * f * f
        k = out[i]
        v = k * _LN2_HI - ((hfsq - (s * (hfsq + R) + k * _LN2_LO)) - f)
        out[i] = -np.inf if z[i] == 0.0 else v
