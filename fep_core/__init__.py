"""fep_core: the maths and simulations behind the book reproducing Spisak & Friston (2025).

Modules, in layers that point one way (a module imports only modules above it in this list;
``python tools/import_graph.py`` prints the graph)
-------
cb          continuous Bernoulli distribution on [-1, 1]
network     the attractor network (single and batched), inference and learning
reference   the same step in plain NumPy: the readable version, used to check ``network``
theory      one node's free energy and the theory chapter's checks
gaussian    Gaussian free energy primer
geometry    categorical free energy, natural gradient and information length
datasets    Simulation-1 bars and preprocessed scikit-learn digits
metrics     attractors, orthogonality, retrieval and generalisation scores
paper       everything the paper reports: settings, numbers, one predicate per claim
streams     the named random streams of the simulations
experiments one function per simulation of the paper
analysis    summaries of results shared by chapters, figures and the report
report      the reproduction report's tables
cache       on-disk results keyed by the sources that computed them
plotting    figures (draw only);  explore  one slider callback per chapter
widgets     slider panels;  bench  the benchmark
"""
__version__ = "0.1.0"

# Compiled code is cached per fep_core module, keyed by the sources it depends on; this changes
# where numba caches fep_core's own functions and nothing else in the process.
from . import _compile_cache as _cc  # noqa: E402

_cc.install()
