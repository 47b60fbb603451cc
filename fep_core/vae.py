"""A variational autoencoder (VAE) on the book's 8x8 digits, trained with JAX and optax.

The generative model has a latent ``z ~ N(0, I)`` (``n_latent`` dimensions) and a decoder with
a Gaussian likelihood of fixed **precision** ``lambda`` (``decoder_precision``):
``p(x | z) = N(x; f(z), I / lambda)``, ``f`` a one-hidden-layer network. The recognition density
is a Gaussian encoder ``q(z | x) = N(mu(x), diag exp(log_var(x)))``, another small network. Per
image, the loss is the variational free energy, split exactly as the attractor network's::

    F(x) = KL[q(z|x) || p(z)] - E_q[ln p(x|z)]  =  complexity - accuracy  =  -ELBO(x)

The complexity is in closed form; the accuracy is a Monte Carlo average over reparameterised
samples ``z = mu + exp(log_var / 2) eps``. Adam (optax) minimises the mean of ``F`` over
minibatches of ``BATCH_SIZE`` images drawn with replacement; its step size is the **learning
rate**.

The network is written once, over an array namespace: JAX runs it for training (automatic
differentiation, one compiled program for every setting), NumPy in double precision for every
evaluation (reconstructions, samples, ELBO estimates), so evaluating never compiles anything.
Parameters are a plain dict pytree of arrays (:func:`init_params`). Training is seeded and
deterministic on the CPU: the same ``rng`` gives the same bits.

JAX and optax are imported when a function that trains is first called (``import fep_core.vae``
needs NumPy only); they come with the book's dependencies (``requirements.txt``).

Data: :func:`digit_split` divides Simulation 2's digits (:func:`fep_core.datasets.digits`, the
same squaring and z-scoring) into training and held-out images; :func:`non_digit_images` gives
8x8 images that are not digits, for anomaly detection; :func:`denoising_scores` scores the
reconstruction of noisy digits with Simulation 2's one-shot generalisation score.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from . import datasets, metrics
from ._validation import as_generator, choice, count, finite_array, positive

__all__ = ["N_PIXELS", "N_HIDDEN", "N_LATENT", "BATCH_SIZE", "RECORD_EVERY", "MAX_STEPS",
           "init_params", "encode", "decode", "reconstruct", "free_energy_terms",
           "elbo_estimate", "sample_prior", "VAEResult", "train_vae", "DigitSplit",
           "digit_split", "non_digit_images", "noisy_digits", "denoising_scores",
           "anomaly_auc", "anomaly_roc", "latent_projection", "ChapterVAEs", "chapter_vaes",
           "ExploreRun", "explore_run", "EXPLORE_STEPS", "DECODER_PRECISION", "LEARNING_RATE"]

N_PIXELS = 64            # 8 x 8 digits
N_HIDDEN = 128           # units of the encoder's and of the decoder's hidden layer
N_LATENT = 8             # latent dimensions (drawn as a map through a projection)
BATCH_SIZE = 64          # images per Adam step, drawn with replacement from the training set
RECORD_EVERY = 25        # Adam steps per point of the recorded training curves
MAX_STEPS = 20_000       # most Adam steps of one training run
_PAD = datasets.N_DIGITS  # training sets are padded to this many images: one compiled program
_LOG_2PI = math.log(2.0 * math.pi)
_LAYERS = {"encoder": ("hidden", "mean", "log_var"), "decoder": ("hidden", "output")}


def _jax():
    """``(jax, jax.numpy, optax)``, imported on first use with a clear error if missing."""
    try:
        import jax
        import jax.numpy as jnp
        import optax
    except ImportError as exc:          # pragma: no cover - the book's requirements have them
        raise ImportError("fep_core.vae trains with JAX and optax: install the book's "
                          "dependencies (pip install -r requirements.txt)") from exc
    return jax, jnp, optax


# --------------------------------------------------------------------------------------------
# The network, over an array namespace (numpy or jax.numpy)
def init_params(*, n_pixels=N_PIXELS, n_hidden=N_HIDDEN, n_latent=N_LATENT, rng) -> dict:
    """Random initial parameters: weights ``N(0, 1/fan_in)``, biases 0 (float64 arrays).

    Returns
    -------
    dict — ``{"encoder": {"hidden", "mean", "log_var"}, "decoder": {"hidden", "output"}}``,
    each layer ``{"w": (fan_in, fan_out), "b": (fan_out,)}``: encoder ``n_pixels -> n_hidden
    -> n_latent`` (twice: mean and log-variance), decoder ``n_latent -> n_hidden -> n_pixels``.
    """
    sizes = {"encoder": {"hidden": (count(n_pixels, "n_pixels"), count(n_hidden, "n_hidden")),
                         "mean": (n_hidden, count(n_latent, "n_latent")),
                         "log_var": (n_hidden, n_latent)},
             "decoder": {"hidden": (n_latent, n_hidden), "output": (n_hidden, n_pixels)}}
    g = as_generator(rng)
    return {part: {name: {"w": g.standard_normal((i, o)) / math.sqrt(i), "b": np.zeros(o)}
                   for name, (i, o) in layers.items()}
            for part, layers in sizes.items()}


def _check_params(params):
    """``params`` as float64 NumPy arrays, with the layout of :func:`init_params`."""
    if not isinstance(params, dict) or set(params) != set(_LAYERS):
        raise TypeError("params must be the dict of init_params (encoder and decoder layers)")
    out = {}
    for part, names in _LAYERS.items():
        layers = params[part]
        if not isinstance(layers, dict) or set(layers) != set(names):
            raise TypeError(f"params[{part!r}] must hold the layers {names}")
        out[part] = {n: {"w": finite_array(np.asarray(layers[n]["w"]), f"params {part}.{n}.w",
                                           ndim=2),
                         "b": finite_array(np.asarray(layers[n]["b"]), f"params {part}.{n}.b",
                                           ndim=1)}
                     for n in names}
    enc = out["encoder"]
    n_pixels, n_hidden = enc["hidden"]["w"].shape
    n_latent = enc["mean"]["w"].shape[1]
    want = {("encoder", "mean"): (n_hidden, n_latent),
            ("encoder", "log_var"): (n_hidden, n_latent),
            ("decoder", "hidden"): (n_latent, n_hidden),
            ("decoder", "output"): (n_hidden, n_pixels)}
    for (part, name), shape in want.items():
        layer = out[part][name]
        if layer["w"].shape != shape or layer["b"].shape != (shape[1],):
            raise ValueError(f"params {part}.{name} must have weights {shape} and biases "
                             f"({shape[1]},), got {layer['w'].shape} and {layer['b'].shape}")
    if enc["hidden"]["b"].shape != (n_hidden,):
        raise ValueError("params encoder.hidden.b must have one bias per hidden unit")
    return out


def _dense(layer, x):
    return x @ layer["w"] + layer["b"]


def _encode(xp, params, x):
    h = xp.tanh(_dense(params["encoder"]["hidden"], x))
    return _dense(params["encoder"]["mean"], h), _dense(params["encoder"]["log_var"], h)


def _decode(xp, params, z):
    return _dense(params["decoder"]["output"], xp.tanh(_dense(params["decoder"]["hidden"], z)))


def _terms(xp, params, x, noise, precision):
    """Accuracy (Monte Carlo over the leading axis of ``noise``) and complexity per image.

    ``x`` (N, P), ``noise`` (S, N, L) standard normal draws; returns two arrays (N,).
    """
    mean, log_var = _encode(xp, params, x)
    z = mean + xp.exp(0.5 * log_var) * noise                        # (S, N, L)
    # decode all S N latents as one matrix product
    decoded = _decode(xp, params, z.reshape(-1, z.shape[-1])).reshape(z.shape[:-1] + (-1,))
    residual = x - decoded
    n_pixels = x.shape[-1]
    log_lik = (0.5 * n_pixels * (xp.log(precision) - _LOG_2PI)
               - 0.5 * precision * xp.sum(residual * residual, axis=-1))
    complexity = 0.5 * xp.sum(mean * mean + xp.exp(log_var) - 1.0 - log_var, axis=-1)
    return xp.mean(log_lik, axis=0), complexity


def _images(images, params, name="images"):
    x = finite_array(images, name, ndim=2)
    n_pixels = params["encoder"]["hidden"]["w"].shape[0]
    if x.shape[1] != n_pixels:
        raise ValueError(f"{name} must have {n_pixels} pixels per image (the network's input), "
                         f"got shape {x.shape}")
    return x


def encode(params, images):
    """The encoder's ``q(z | x)`` for each image: ``(mean, log_var)``, arrays (N, n_latent)."""
    params = _check_params(params)
    return _encode(np, params, _images(images, params))


def decode(params, latents):
    """The decoder's mean image ``f(z)`` for each latent (N, n_latent) -> (N, n_pixels)."""
    params = _check_params(params)
    n_latent = params["decoder"]["hidden"]["w"].shape[0]
    z = finite_array(latents, "latents", shape=(None, n_latent))
    return _decode(np, params, z)


def reconstruct(params, images):
    """The decoder's mean image at the encoder's mean, ``f(mu(x))``: (N, n_pixels)."""
    params = _check_params(params)
    mean, _ = _encode(np, params, _images(images, params))
    return _decode(np, params, mean)


def _precision(value, name="decoder_precision"):
    return positive(value, name)


def free_energy_terms(params, images, noise, *, decoder_precision, backend="numpy"):
    """Accuracy ``E_q[ln p(x|z)]`` (Monte Carlo over the given noise) and complexity
    ``KL[q(z|x) || p(z)]`` (closed form) of each image, in nats.

    Parameters
    ----------
    params : dict of :func:`init_params`
    images : array (N, n_pixels)
    noise : array (S, N, n_latent) — standard normal draws, ``z = mu + exp(log_var/2) noise``
    decoder_precision : float > 0 — ``lambda``
    backend : "numpy" (float64) or "jax" (the training code's arithmetic, in JAX's precision)

    Returns
    -------
    (accuracy, complexity) : arrays (N,); the free energy is ``complexity - accuracy``.
    """
    choice(backend, "backend", ("numpy", "jax"))
    params = _check_params(params)
    x = _images(images, params)
    n_latent = params["encoder"]["mean"]["w"].shape[1]
    eps = finite_array(noise, "noise", shape=(None, x.shape[0], n_latent))
    if eps.shape[0] < 1:
        raise ValueError("noise must hold at least one sample (S >= 1)")
    lam = _precision(decoder_precision)
    if backend == "numpy":
        return _terms(np, params, x, eps, lam)
    jax, jnp, _ = _jax()
    acc, comp = _terms(jnp, jax.tree.map(jnp.asarray, params), jnp.asarray(x), jnp.asarray(eps),
                       lam)
    return np.asarray(acc), np.asarray(comp)


def elbo_estimate(params, images, *, decoder_precision, n_samples=64, rng):
    """Monte Carlo estimate of each image's ELBO ``= accuracy - complexity`` (N,), with
    ``n_samples`` draws from ``q(z|x)`` per image (float64). ``rng`` a seed or Generator."""
    params = _check_params(params)
    x = _images(images, params)
    n_latent = params["encoder"]["mean"]["w"].shape[1]
    noise = as_generator(rng).standard_normal((count(n_samples, "n_samples"), x.shape[0],
                                               n_latent))
    acc, comp = free_energy_terms(params, x, noise, decoder_precision=decoder_precision)
    return acc - comp


def sample_prior(params, n, *, rng):
    """``n`` images generated from the prior: ``f(z)`` for ``z ~ N(0, I)`` (n, n_pixels); the
    decoder's mean images (the likelihood's noise is not added)."""
    params = _check_params(params)
    n_latent = params["decoder"]["hidden"]["w"].shape[0]
    z = as_generator(rng).standard_normal((count(n, "n"), n_latent))
    return _decode(np, params, z)


# --------------------------------------------------------------------------------------------
# Training
@dataclass
class VAEResult:
    """A trained VAE.

    ``params``: the final parameters (float64 copies of the float32 training values);
    ``steps`` (R,): the Adam step at the end of each recorded stretch of :data:`RECORD_EVERY`
    steps; ``accuracy``, ``complexity`` (R,): their means over the minibatches of that stretch
    (nats per image); ``diverged``: the loss or the parameters became non-finite (the curves are
    then NaN from that stretch on, and the parameters are not finite either: every function that
    evaluates them refuses them); ``settings``: the arguments.
    """

    params: dict
    steps: np.ndarray
    accuracy: np.ndarray
    complexity: np.ndarray
    diverged: bool
    settings: dict = field(default_factory=dict)

    @property
    def free_energy(self) -> np.ndarray:
        """``complexity - accuracy`` per recorded stretch (R,)."""
        return self.complexity - self.accuracy


@functools.lru_cache(maxsize=None)
def _trainer(batch_size, max_records):
    """The compiled training program for minibatches of ``batch_size`` and at most
    ``max_records`` recorded stretches; the data's size, the precision, the learning rate, the
    key and the number of stretches are run-time arguments, so one program serves every
    setting of one architecture."""
    jax, jnp, optax = _jax()

    def run(params, data, n_valid, key, precision, learning_rate, n_records):
        opt = optax.adam(learning_rate)
        n_latent = params["encoder"]["mean"]["w"].shape[1]

        def loss(p, xb, eps):
            acc, comp = _terms(jnp, p, xb, eps[None], precision)
            return jnp.mean(comp - acc), (jnp.mean(acc), jnp.mean(comp))

        def step(carry, k):
            p, state = carry
            k_pick, k_eps = jax.random.split(k)
            xb = data[jax.random.randint(k_pick, (batch_size,), 0, n_valid)]
            eps = jax.random.normal(k_eps, (batch_size, n_latent), dtype=xb.dtype)
            (_, (acc, comp)), grads = jax.value_and_grad(loss, has_aux=True)(p, xb, eps)
            updates, state = opt.update(grads, state, p)
            # no check here (it would cost compile time): a non-finite loss makes the
            # parameters non-finite, and train_vae reads the divergence from the recorded
            # curves and the final parameters
            return (optax.apply_updates(p, updates), state), (acc, comp)

        def stretch(r, carry):
            p, state, k, acc_hist, comp_hist = carry
            k, sub = jax.random.split(k)
            (p, state), (acc, comp) = jax.lax.scan(step, (p, state),
                                                   jax.random.split(sub, RECORD_EVERY))
            return (p, state, k, acc_hist.at[r].set(jnp.mean(acc)),
                    comp_hist.at[r].set(jnp.mean(comp)))

        hist = jnp.full(max_records, jnp.nan, dtype=data.dtype)
        start = (params, opt.init(params), key, hist, hist)
        p, _, _, acc_hist, comp_hist = jax.lax.fori_loop(0, n_records, stretch, start)
        return p, acc_hist, comp_hist

    return jax.jit(run)


def _seed(rng):
    """A non-negative integer seed for JAX from ``rng`` (an int seed is used as it is)."""
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return count(rng, "rng", minimum=0) % 2 ** 32
    return int(as_generator(rng).integers(2 ** 32))


def train_vae(images, *, decoder_precision, learning_rate, n_steps, rng, params=None,
              n_hidden=N_HIDDEN, n_latent=N_LATENT) -> VAEResult:
    """Train a VAE on ``images`` with Adam: ``n_steps`` steps on minibatches of
    :data:`BATCH_SIZE` images drawn with replacement.

    Parameters
    ----------
    images : array (N, P), 1 <= N — the training images (at most 1797 of them share one compiled
        program; more compile another)
    decoder_precision : float > 0 — the likelihood's precision ``lambda``
    learning_rate : float > 0 — Adam's step size
    n_steps : int — a positive multiple of :data:`RECORD_EVERY`, at most :data:`MAX_STEPS`
    rng : int seed or Generator — the initial parameters (unless ``params`` is given) and the
        minibatches and noise of training; the same seed gives the same bits
    params : dict, optional — initial parameters (:func:`init_params`); then ``n_hidden`` and
        ``n_latent`` are read from them
    n_hidden, n_latent : int — the architecture of fresh parameters

    Returns
    -------
    VAEResult
    """
    x = finite_array(images, "images", ndim=2)
    if x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"images must hold at least one image with at least one pixel, "
                         f"got shape {x.shape}")
    lam = _precision(decoder_precision)
    lr = positive(learning_rate, "learning_rate")
    n_steps = count(n_steps, "n_steps")
    if n_steps % RECORD_EVERY or n_steps > MAX_STEPS:
        raise ValueError(f"n_steps must be a multiple of {RECORD_EVERY} and at most "
                         f"{MAX_STEPS}, got {n_steps}")
    g = as_generator(rng) if not isinstance(rng, (int, np.integer)) else None
    if params is None:
        params = init_params(n_pixels=x.shape[1], n_hidden=n_hidden, n_latent=n_latent,
                             rng=g if g is not None else np.random.default_rng(
                                 [count(rng, "rng", minimum=0), 0]))
    params = _check_params(params)
    if params["encoder"]["hidden"]["w"].shape[0] != x.shape[1]:
        raise ValueError(f"params take {params['encoder']['hidden']['w'].shape[0]} pixels, "
                         f"images have {x.shape[1]}")
    seed = _seed(g if g is not None else rng)
    jax, jnp, _ = _jax()
    pad = max(_PAD, x.shape[0])
    data = np.zeros((pad, x.shape[1]))
    data[:x.shape[0]] = x
    max_records = MAX_STEPS // RECORD_EVERY
    run = _trainer(BATCH_SIZE, max_records)
    dtype = jnp.zeros(()).dtype                       # float32 unless JAX runs in 64 bits
    p, acc, comp = run(jax.tree.map(lambda a: jnp.asarray(a, dtype), params),
                            jnp.asarray(data, dtype), jnp.asarray(x.shape[0], jnp.int32),
                            jax.random.key(seed), jnp.asarray(lam, dtype),
                            jnp.asarray(lr, dtype),
                            jnp.asarray(n_steps // RECORD_EVERY, jnp.int32))
    n_records = n_steps // RECORD_EVERY
    params = jax.tree.map(lambda a: np.asarray(a, dtype=float), p)
    acc = np.asarray(acc, float)[:n_records]
    comp = np.asarray(comp, float)[:n_records]
    diverged = not (np.all(np.isfinite(acc)) and np.all(np.isfinite(comp))
                    and all(np.all(np.isfinite(leaf)) for leaf in jax.tree.leaves(params)))
    return VAEResult(params=params, steps=RECORD_EVERY * np.arange(1, n_records + 1),
                     accuracy=acc, complexity=comp, diverged=diverged,
                     settings=dict(decoder_precision=lam, learning_rate=lr, n_steps=n_steps,
                                   n_train=x.shape[0]))


# --------------------------------------------------------------------------------------------
# Data
@dataclass(frozen=True)
class DigitSplit:
    """The book's digits divided for the VAE: ``train`` (Simulation 2's ten training digits and
    every test digit neither held out nor excluded), ``held_out`` (random test digits no model
    sees in training), their labels, and the positions in Simulation 2's test set
    (``held_out_index``; ``train_index`` lists only the test digits trained on)."""

    train: np.ndarray
    train_labels: np.ndarray
    train_index: np.ndarray
    held_out: np.ndarray
    held_out_labels: np.ndarray
    held_out_index: np.ndarray


def digit_split(exclude=(), *, n_held_out=300, rng=0) -> DigitSplit:
    """Divide Simulation 2's digits (:func:`fep_core.datasets.digits`) for the VAE.

    Parameters
    ----------
    exclude : sequence of int — positions in Simulation 2's test set that must not be trained
        on (e.g. the digits of its noisy generalisation trials); neither held out
    n_held_out : int >= 1 — test digits held out, drawn at random from the rest
    rng : seed or Generator — which digits are held out
    """
    d = datasets.digits()
    n_test = len(d.test)
    ex = np.unique(np.asarray(list(exclude), dtype=int)) if len(exclude) else np.zeros(0, int)
    if ex.size and (ex.min() < 0 or ex.max() >= n_test):
        raise ValueError(f"exclude must hold positions in Simulation 2's test set, 0 to "
                         f"{n_test - 1}")
    free = np.setdiff1d(np.arange(n_test), ex)
    n_held_out = count(n_held_out, "n_held_out")
    if n_held_out >= free.size:
        raise ValueError(f"n_held_out must leave test digits to train on: at most "
                         f"{free.size - 1}, got {n_held_out}")
    held = np.sort(as_generator(rng).choice(free, size=n_held_out, replace=False))
    trained = np.setdiff1d(free, held)
    return DigitSplit(train=np.vstack([d.train, d.test[trained]]),
                      train_labels=np.concatenate([d.train_labels, d.test_labels[trained]]),
                      train_index=trained, held_out=d.test[held],
                      held_out_labels=d.test_labels[held], held_out_index=held)


def _preprocess(images):
    """The digits' preprocessing for any images (M, 64) of non-negative intensities: squared,
    then z-scored per image (constant images are dropped first)."""
    x = np.asarray(images, float) ** 2
    return datasets.zscore(x[x.std(axis=1) > 1e-12 * (1 + np.abs(x).max())])


def non_digit_images(source="lfw"):
    """8x8 images that are not digits, preprocessed as the digits are (squared, z-scored).

    ``source="lfw"``: the 100 non-face patches of scikit-image's ``lfw_subset`` (backgrounds of
    the Labeled Faces in the Wild photographs, 25x25), resized to 8x8 with anti-aliasing.
    ``source="sample_images"``: scikit-learn's two sample photographs, in grey, cut into
    non-overlapping 40x40 patches, averaged over 5x5 blocks to 8x8 (every 5th patch is kept:
    each image gives about 30 patches).

    Returns
    -------
    array (M, 64)
    """
    choice(source, "source", ("lfw", "sample_images"))
    if source == "lfw":
        try:
            from skimage.data import lfw_subset
            from skimage.transform import resize
        except ImportError:
            raise ImportError("source='lfw' needs scikit-image; use source='sample_images'") \
                from None
        patches = lfw_subset()[100:]                          # the 100 non-faces
        small = np.stack([resize(p, (8, 8), anti_aliasing=True) for p in patches])
        return _preprocess(small.reshape(len(small), 64))
    from sklearn.datasets import load_sample_images

    out = []
    for img in load_sample_images().images:
        grey = np.asarray(img, float).mean(axis=2)
        rows, cols = grey.shape[0] // 40, grey.shape[1] // 40
        tiles = grey[:rows * 40, :cols * 40].reshape(rows, 40, cols, 40).swapaxes(1, 2)
        small = tiles.reshape(rows * cols, 8, 5, 8, 5).mean(axis=(2, 4))
        out.append(small[::5].reshape(-1, 64))
    return _preprocess(np.vstack(out))


def noisy_digits(images, *, rng):
    """Simulation 2's noise model on z-scored images: ``x + N(0, sd(x))`` per pixel, i.e. a
    signal-to-noise ratio of 1 (the digits have unit standard deviation)."""
    x = finite_array(images, "images", ndim=2)
    return x + x.std(axis=1, keepdims=True) * as_generator(rng).standard_normal(x.shape)


def denoising_scores(params, noisy, originals):
    """Simulation 2's one-shot generalisation score of the VAE's reconstructions.

    Each noisy image is z-scored (the preprocessing of every image the VAE sees; the score is
    scale-free) and reconstructed, ``f(mu(x))``; score = ``r^2(response, original) -
    r^2(noisy, original)`` (:func:`fep_core.metrics.correlation`), as
    :func:`fep_core.metrics.recall_scores` scores the attractor network's mean state.

    Parameters
    ----------
    params : dict
    noisy, originals : arrays (T, P) — e.g. Simulation 2's ``noisy`` inputs and clean targets

    Returns
    -------
    dict of arrays: ``score``, ``r2_response``, ``r2_noisy`` (T,); ``response`` (T, P).
    """
    noisy = finite_array(noisy, "noisy", ndim=2)
    originals = finite_array(originals, "originals", ndim=2)
    if noisy.shape != originals.shape:
        raise ValueError(f"noisy and originals must have the same shape, got {noisy.shape} and "
                         f"{originals.shape}")
    response = reconstruct(params, datasets.zscore(noisy))
    r2_resp = metrics.correlation(response, originals) ** 2
    r2_noisy = metrics.correlation(noisy, originals) ** 2
    return {"score": r2_resp - r2_noisy, "r2_response": r2_resp, "r2_noisy": r2_noisy,
            "response": response}


def anomaly_auc(free_energy_normal, free_energy_anomalous):
    """ROC AUC of the free energy ``-ELBO`` as an anomaly score: the probability that an
    anomalous image has a higher free energy than a normal one
    (:func:`sklearn.metrics.roc_auc_score`)."""
    from sklearn.metrics import roc_auc_score

    a = finite_array(free_energy_normal, "free_energy_normal", ndim=1)
    b = finite_array(free_energy_anomalous, "free_energy_anomalous", ndim=1)
    if a.size == 0 or b.size == 0:
        raise ValueError("both sets of free energies must be non-empty")
    labels = np.concatenate([np.zeros(a.size), np.ones(b.size)])
    return float(roc_auc_score(labels, np.concatenate([a, b])))


def anomaly_roc(free_energy_normal, free_energy_anomalous):
    """The ROC curve of the free energy as an anomaly score: ``(false positive rates, true
    positive rates)`` (:func:`sklearn.metrics.roc_curve`)."""
    from sklearn.metrics import roc_curve

    a = finite_array(free_energy_normal, "free_energy_normal", ndim=1)
    b = finite_array(free_energy_anomalous, "free_energy_anomalous", ndim=1)
    if a.size == 0 or b.size == 0:
        raise ValueError("both sets of free energies must be non-empty")
    fpr, tpr, _ = roc_curve(np.concatenate([np.zeros(a.size), np.ones(b.size)]),
                            np.concatenate([a, b]))
    return fpr, tpr


def latent_projection(means):
    """Latent means (N, L) on their two principal axes (N, 2) (the latent itself if L <= 2,
    padded with zeros for L = 1), with the share of their variance the two axes keep."""
    m = finite_array(means, "means", ndim=2)
    if m.shape[1] <= 2:
        return np.pad(m, ((0, 0), (0, 2 - m.shape[1]))), 1.0
    centred = m - m.mean(axis=0)
    _, sv, vt = np.linalg.svd(centred, full_matrices=False)
    # a sign convention, so that a projection does not flip between runs of equal data
    signs = np.sign(vt[:2, np.argmax(np.abs(vt[:2]), axis=1)].diagonal())
    return centred @ (vt[:2].T * signs), float(np.sum(sv[:2] ** 2) / np.sum(sv ** 2))


# --------------------------------------------------------------------------------------------
# The chapter's models
@dataclass
class ChapterVAEs:
    """The chapter's VAEs, one per seed: ``many`` trained on ``split.train``, ``ten`` on
    Simulation 2's ten training digits only (what the attractor network learns from)."""

    split: DigitSplit
    many: list
    ten: list
    settings: dict


DECODER_PRECISION = 10.0
"""The chapter's decoder precision ``lambda`` (noise sd about 0.32 on digits of unit sd)."""
LEARNING_RATE = 1e-3
"""The chapter's learning rate: Adam's customary step size."""


def chapter_vaes(*, exclude=(), seeds=(0, 1, 2, 3, 4), decoder_precision=DECODER_PRECISION,
                 learning_rate=LEARNING_RATE, n_steps=2500, n_held_out=300) -> ChapterVAEs:
    """Train the chapter's VAEs (meant for ``fep_core.cache.cached``): for each seed, one on the
    training digits of :func:`digit_split` ``(exclude, n_held_out=n_held_out)`` and one on
    Simulation 2's ten training digits, with the same settings and seed."""
    split = digit_split(tuple(exclude), n_held_out=n_held_out)
    ten = datasets.digits().train
    seeds = [count(s, "seeds", minimum=0) for s in seeds]
    kw = dict(decoder_precision=decoder_precision, learning_rate=learning_rate, n_steps=n_steps)
    many = [train_vae(split.train, rng=s, **kw) for s in seeds]
    few = [train_vae(ten, rng=s, **kw) for s in seeds]
    return ChapterVAEs(split, many, few, dict(seeds=tuple(seeds), **kw))


# --------------------------------------------------------------------------------------------
# The Interactive section's run (the live panel and the precomputed grid)
EXPLORE_STEPS = 500
"""Adam steps of the Interactive section's runs (a second or so each)."""


@dataclass
class ExploreRun:
    """One run of the Interactive section: the training curves (``result``), eight held-out
    digits (``originals``) with their reconstructions, eight samples from the prior, the
    held-out digits' latent means and labels, the mean held-out free energy, the anomaly AUC
    against :func:`non_digit_images` and the mean denoising score of noisy held-out digits."""

    result: VAEResult
    originals: np.ndarray
    reconstructions: np.ndarray
    samples: np.ndarray
    latent_means: np.ndarray
    labels: np.ndarray
    held_out_free_energy: float
    auc: float
    denoising: float


@functools.lru_cache(maxsize=1)
def _explore_data():
    split = digit_split()
    return split, non_digit_images("lfw" if _has_skimage() else "sample_images")


def _has_skimage():
    import importlib.util

    return importlib.util.find_spec("skimage") is not None


def explore_run(*, decoder_precision, learning_rate, seed=0, n_steps=EXPLORE_STEPS):
    """Train a VAE for the Interactive section (``n_steps`` Adam steps on
    :func:`digit_split`'s training digits, seed ``seed``) and evaluate it on the held-out
    digits; returns an :class:`ExploreRun`.

    Where training diverged (``result.diverged``: the loss or the parameters became
    non-finite) nothing is evaluated: the images are zeros and the numbers NaN.
    """
    split, others = _explore_data()
    res = train_vae(split.train, decoder_precision=decoder_precision,
                    learning_rate=learning_rate, n_steps=n_steps, rng=count(seed, "seed",
                                                                            minimum=0))
    held = split.held_out
    if res.diverged:
        blank = np.zeros((8, held.shape[1]))
        return ExploreRun(result=res, originals=held[:8], reconstructions=blank, samples=blank,
                          latent_means=np.zeros((len(held), 2)), labels=split.held_out_labels,
                          held_out_free_energy=math.nan, auc=math.nan, denoising=math.nan)
    lam = res.settings["decoder_precision"]
    f_held = -elbo_estimate(res.params, held, decoder_precision=lam, n_samples=16, rng=1)
    f_other = -elbo_estimate(res.params, others, decoder_precision=lam, n_samples=16, rng=2)
    noisy = noisy_digits(held, rng=3)
    mean, _ = encode(res.params, held)
    return ExploreRun(result=res, originals=held[:8],
                      reconstructions=reconstruct(res.params, held[:8]),
                      samples=sample_prior(res.params, 8, rng=4), latent_means=mean,
                      labels=split.held_out_labels,
                      held_out_free_energy=float(np.mean(f_held)),
                      auc=anomaly_auc(f_held, f_other),
                      denoising=float(np.mean(denoising_scores(res.params, noisy,
                                                               held)["score"])))
