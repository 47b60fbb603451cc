"""fep_core: the maths and simulations behind the book reproducing Spisak & Friston (2025).

Modules, in layers that point one way (a module imports only modules above it in this list;
``python tools/import_graph.py`` prints the graph)
-------
cb          continuous Bernoulli distribution on [-1, 1]
network     the attractor network (single and batched; float64 or float32 couplings)
reference   the same step in plain NumPy: the readable version, used to check ``network``
theory      one node's free energy and the theory chapter's checks
gaussian    Gaussian free energy primer
geometry    categorical free energy, natural gradient and information length
datasets    Simulation-1 bars, scikit-learn digits, scikit-image faces, Olivetti loader
baselines   classic networks: Hebbian, projector, Storkey, Boltzmann machine (CD-k, PCD)
metrics     attractors, orthogonality, retrieval and generalisation scores
paper       everything the paper reports: settings, numbers, one predicate per claim
streams     the named random streams of the simulations
experiments one function per simulation of the paper
capacity    Simulation 5b: the authors' capacity protocol and a basin test with baselines
scaling     Simulation 5a: time per learning step against N, memory bandwidth
faces       Simulation 6: a face network, reconstructions, the non-face control
comparison  the revision's comparison with classic networks, measured
vb, vae     variational Bayes (ELBO, CAVI for a Gaussian mixture) and a JAX autoencoder
analysis    summaries of results shared by chapters, figures and the report
report      the reproduction report's tables
cache       on-disk results keyed by the sources that computed them
plotting    figures (draw only);  explore  one slider callback per chapter
widgets     slider panels;  bench  the benchmark
jax_backend the same engine in JAX (optional extra ``jax``; CPU or GPU)
backends    the engine switch: ``make_batch(..., backend="numba" | "jax")``
"""
__version__ = "0.1.0"

# Compiled code is cached per fep_core module, keyed by the sources it depends on; this changes
# where numba caches fep_core's own functions and nothing else in the process.
from . import _compile_cache as _cc  # noqa: E402

_cc.install()
