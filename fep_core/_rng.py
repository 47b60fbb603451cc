"""NumPy's random generators, called from compiled kernels. Private.

Every network owns a ``numpy.random.Generator``. Instead of filling an array of uniforms in
Python and handing it to a kernel (for the Simulation-2 grid that costs as much time as a
quarter of the dynamics, serialised, plus the memory traffic), a kernel thread calls the
generator's own C function, ``bit_generator->next_double(state)``, through the addresses NumPy
publishes in ``BitGenerator.ctypes``. This is the function ``Generator.random`` calls for each
number, so a network consumes exactly the numbers ``rng.random(...)`` would have returned and
leaves its generator in the same state: results depend on the seed only, and every kind of bit
generator (PCG64, MT19937, Philox, ...) works.

Each network's generator is advanced by one kernel thread only, so networks must not share a
bit generator (checked by :func:`addresses`), and the generators' locks are held while a kernel
runs (:func:`locked`), so that no other Python thread can draw from them at the same time.
"""
from __future__ import annotations

import contextlib
import ctypes

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic


@intrinsic
def next_double(typingctx, fn, state):
    """``((double (*)(void *)) fn)(state)``: one uniform in [0, 1) from a bit generator, given
    the addresses of its ``next_double`` function and of its state (both as integers)."""
    if not (isinstance(fn, types.Integer) and isinstance(state, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        voidp = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.DoubleType(), [voidp])
        func = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(func, [builder.inttoptr(args[1], voidp)])

    return types.float64(fn, state), codegen


@njit(cache=True)
def draw(fn, state, out):
    """``out[:] = rng.random(out.size)``, for the bit generator at ``(fn, state)``."""
    for i in range(out.shape[0]):
        out[i] = next_double(fn, state)


def addresses(rngs):
    """``(fn, state)``: int64 arrays (B,) of each generator's ``next_double`` and state address.

    Raises ``ValueError`` if two networks share a bit generator: parallel threads would then
    advance one state at the same time.
    """
    bgs = [g.bit_generator for g in rngs]
    if len({id(bg) for bg in bgs}) != len(bgs):
        raise ValueError("rng: every network needs its own generator; the same Generator (or "
                         "BitGenerator) was given for more than one network")
    fn = np.array([ctypes.cast(bg.ctypes.next_double, ctypes.c_void_p).value for bg in bgs],
                  dtype=np.int64)
    state = np.array([bg.ctypes.state_address for bg in bgs], dtype=np.int64)
    return fn, state


@contextlib.contextmanager
def locked(rngs):
    """Hold the lock of every generator (each distinct lock once) while a kernel draws."""
    locks = list({id(g.bit_generator.lock): g.bit_generator.lock for g in rngs}.values())
    taken = []
    try:
        for lock in locks:
            lock.acquire()
            taken.append(lock)
        yield
    finally:
        for lock in reversed(taken):
            lock.release()
