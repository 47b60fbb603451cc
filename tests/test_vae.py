"""fep_core.vae: the variational autoencoder's free energy against brute force on a tiny model
(1-D latent, three pixels: ln p(x) and the true posterior by quadrature over z, so that ELBO <=
ln p(x) and the gap is KL[q(z|x) || p(z|x)]), the training code's arithmetic against the NumPy
evaluation, seeded determinism, shapes, divergence, the data sets and scores, validation.

Tests that train need JAX and optax and are skipped with a reason without them."""
import importlib.util
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import integrate

from fep_core import datasets, metrics, vae

HAS_JAX = (importlib.util.find_spec("jax") is not None
           and importlib.util.find_spec("optax") is not None)
needs_jax = pytest.mark.skipif(not HAS_JAX, reason="JAX and optax are not installed (they are "
                                                   "pinned in requirements.txt for the book)")


# ---------------------------------------------------------------------------------------------
# A tiny model, checked by quadrature over its one latent dimension
def _tiny(seed=0, scale=2.0):
    p = vae.init_params(n_pixels=3, n_hidden=4, n_latent=1, rng=seed)
    for part in p.values():                  # larger weights: a curved, non-Gaussian posterior
        for layer in part.values():
            layer["w"] *= scale
            layer["b"] += np.random.default_rng(seed + 1).normal(0, 0.5, layer["b"].shape)
    return p


def _log_lik(params, x, z, precision):
    """ln N(x; f(z), I/precision) on a grid of z (G,) -> (G,)."""
    f = vae.decode(params, z[:, None])
    return 1.5 * math.log(precision / (2 * math.pi)) - 0.5 * precision * np.sum((x - f) ** 2, 1)


def _brute_force(params, x, precision):
    """ln p(x), the exact ELBO of the encoder's q(z|x) and KL[q || p(z|x)], by quadrature:
    the evidence on a wide grid, the expectations under q on a fine grid around q."""
    mean, log_var = (a[0, 0] for a in vae.encode(params, x[None]))
    sd = math.exp(0.5 * log_var)

    def log_joint(z):
        return _log_lik(params, x, z, precision) - 0.5 * z ** 2 - 0.5 * math.log(2 * math.pi)

    wide = np.linspace(-14, 14, 280_001)
    lj = log_joint(wide)
    peak = lj.max()
    log_px = peak + math.log(integrate.simpson(np.exp(lj - peak), x=wide))
    z = np.linspace(mean - 12 * sd, mean + 12 * sd, 100_001)
    log_q = -0.5 * ((z - mean) / sd) ** 2 - math.log(sd) - 0.5 * math.log(2 * math.pi)
    q = np.exp(log_q)
    accuracy = integrate.simpson(q * _log_lik(params, x, z, precision), x=z)
    complexity = integrate.simpson(q * (log_q + 0.5 * z ** 2 + 0.5 * math.log(2 * math.pi)), x=z)
    kl_posterior = integrate.simpson(q * (log_q - (log_joint(z) - log_px)), x=z)
    return log_px, accuracy, complexity, kl_posterior, (mean, sd)


@pytest.mark.parametrize("seed, precision", [(0, 1.0), (1, 4.0), (2, 0.3)])
def test_elbo_is_below_the_log_evidence_by_the_kl_to_the_true_posterior(seed, precision):
    params = _tiny(seed)
    x = np.array([0.8, -0.4, 1.3])
    log_px, accuracy, complexity, kl_post, _ = _brute_force(params, x, precision)
    # the closed-form complexity of the module against quadrature
    _, comp = vae.free_energy_terms(params, x[None], np.zeros((1, 1, 1)),
                                    decoder_precision=precision)
    assert_allclose(comp[0], complexity, rtol=1e-9, atol=1e-12)
    elbo = accuracy - complexity
    assert elbo <= log_px
    assert kl_post > 1e-4, "the tiny model's posterior should not be Gaussian-exact"
    assert_allclose(log_px - elbo, kl_post, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("seed, precision", [(0, 1.0), (1, 4.0)])
def test_monte_carlo_elbo_estimate_against_the_exact_elbo(seed, precision):
    params = _tiny(seed)
    x = np.array([0.8, -0.4, 1.3])
    log_px, accuracy, complexity, _, (mean, sd) = _brute_force(params, x, precision)
    n = 200_000
    noise = np.random.default_rng(11).standard_normal((n, 1, 1))
    est = vae.elbo_estimate(params, x[None], decoder_precision=precision, n_samples=n, rng=11)[0]
    # the standard error of the estimate, from the same draws
    per_sample = _log_lik(params, x, mean + sd * noise[:, 0, 0], precision)
    se = per_sample.std() / math.sqrt(n)
    assert abs(est - (accuracy - complexity)) < 5 * se
    assert est < log_px


def test_free_energy_terms_average_over_the_noise_samples():
    params = _tiny(3)
    x = np.random.default_rng(0).normal(size=(5, 3))
    noise = np.random.default_rng(1).standard_normal((7, 5, 1))
    acc, comp = vae.free_energy_terms(params, x, noise, decoder_precision=2.0)
    one = [vae.free_energy_terms(params, x, noise[s:s + 1], decoder_precision=2.0)[0]
           for s in range(7)]
    assert_allclose(acc, np.mean(one, axis=0), rtol=1e-13)
    mean, log_var = vae.encode(params, x)
    z = mean + np.exp(0.5 * log_var) * noise[0]
    f = vae.decode(params, z)
    by_hand = 1.5 * math.log(2.0 / (2 * math.pi)) - np.sum((x - f) ** 2, axis=1)
    assert_allclose(one[0], by_hand, rtol=1e-13)
    assert_allclose(comp, 0.5 * np.sum(mean ** 2 + np.exp(log_var) - 1 - log_var, axis=1),
                    rtol=1e-13)


@needs_jax
def test_training_arithmetic_equals_the_numpy_evaluation():
    import jax

    params = vae.init_params(rng=4)
    x = datasets.digits().test[:20]
    noise = np.random.default_rng(2).standard_normal((3, 20, vae.N_LATENT))
    ref = vae.free_energy_terms(params, x, noise, decoder_precision=10.0)
    with jax.enable_x64(True):
        got = vae.free_energy_terms(params, x, noise, decoder_precision=10.0, backend="jax")
    assert_allclose(got, ref, rtol=1e-12, atol=1e-10)
    got32 = vae.free_energy_terms(params, x, noise, decoder_precision=10.0, backend="jax")
    assert_allclose(got32, ref, rtol=2e-5, atol=2e-3)


# ---------------------------------------------------------------------------------------------
# The network's functions
def test_shapes_of_the_network_functions():
    params = vae.init_params(n_pixels=64, n_hidden=16, n_latent=3, rng=0)
    x = datasets.digits().train
    mean, log_var = vae.encode(params, x)
    assert mean.shape == log_var.shape == (10, 3)
    assert vae.decode(params, mean).shape == (10, 64)
    assert vae.reconstruct(params, x).shape == (10, 64)
    assert vae.sample_prior(params, 4, rng=0).shape == (4, 64)
    assert vae.elbo_estimate(params, x, decoder_precision=1.0, n_samples=3, rng=0).shape == (10,)
    assert_array_equal(vae.sample_prior(params, 4, rng=5), vae.sample_prior(params, 4, rng=5))
    layout = {part: sorted(layers) for part, layers in params.items()}
    assert layout == {"decoder": ["hidden", "output"], "encoder": ["hidden", "log_var", "mean"]}


def test_initial_weights_have_variance_one_over_fan_in():
    params = vae.init_params(n_pixels=400, n_hidden=300, n_latent=2, rng=0)
    w = params["encoder"]["hidden"]["w"]
    assert_allclose(w.var(), 1 / 400, rtol=0.02)
    assert not np.any(params["decoder"]["output"]["b"])


# ---------------------------------------------------------------------------------------------
# Training
@pytest.fixture(scope="module")
def short_runs():
    if not HAS_JAX:
        pytest.skip("JAX and optax are not installed")
    x = datasets.digits().test[:300]
    kw = dict(decoder_precision=10.0, learning_rate=1e-3, n_steps=200)
    return x, [vae.train_vae(x, rng=7, **kw), vae.train_vae(x, rng=7, **kw),
               vae.train_vae(x, rng=8, **kw)]


@needs_jax
def test_training_is_deterministic_per_seed(short_runs):
    _, (a, b, c) = short_runs
    import jax

    for u, v in zip(jax.tree.leaves(a.params), jax.tree.leaves(b.params)):
        assert_array_equal(u, v)
    assert_array_equal(a.accuracy, b.accuracy)
    assert_array_equal(a.complexity, b.complexity)
    assert not np.array_equal(a.params["decoder"]["output"]["w"],
                              c.params["decoder"]["output"]["w"])


@needs_jax
def test_training_records_and_lowers_the_free_energy(short_runs):
    x, (a, _, _) = short_runs
    assert_array_equal(a.steps, vae.RECORD_EVERY * np.arange(1, 9))
    assert a.accuracy.shape == a.complexity.shape == (8,)
    assert np.all(np.isfinite(a.free_energy)) and not a.diverged
    assert np.all(a.complexity > 0)
    assert a.free_energy[-1] < 0.5 * a.free_energy[0]
    # and the trained model's held-out ELBO beats the initial parameters'
    init = vae.init_params(rng=np.random.default_rng([7, 0]))
    before = vae.elbo_estimate(init, x[:50], decoder_precision=10.0, rng=0).mean()
    after = vae.elbo_estimate(a.params, x[:50], decoder_precision=10.0, rng=0).mean()
    assert after > before + 50
    assert a.settings == dict(decoder_precision=10.0, learning_rate=1e-3, n_steps=200,
                              n_train=300)


@needs_jax
def test_minibatches_come_from_the_given_images_only():
    # one image: were the padding drawn, the decoder would be pulled towards zero images
    one = datasets.digits().train[3:4]
    res = vae.train_vae(one, decoder_precision=30.0, learning_rate=3e-3, n_steps=500, rng=0)
    assert metrics.correlation(vae.reconstruct(res.params, one)[0], one[0]) > 0.98


@needs_jax
def test_a_divergent_run_is_flagged_and_never_evaluated_silently():
    x = datasets.digits().test[:100]
    res = vae.train_vae(x, decoder_precision=100.0, learning_rate=1e30, n_steps=100, rng=0)
    assert res.diverged
    assert np.isnan(res.free_energy[-1])
    with pytest.raises(ValueError, match="must be finite"):
        vae.reconstruct(res.params, x)


@needs_jax
def test_given_initial_parameters_are_used():
    x = datasets.digits().test[:100]
    start = vae.init_params(n_pixels=64, n_hidden=8, n_latent=1, rng=3)
    res = vae.train_vae(x, decoder_precision=1.0, learning_rate=1e-3, n_steps=25, rng=0,
                        params=start)
    assert res.params["encoder"]["hidden"]["w"].shape == (64, 8)
    assert res.params["encoder"]["mean"]["w"].shape == (8, 1)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_steps=30), "multiple of 25"),
    (dict(n_steps=vae.MAX_STEPS + 25), "at most"),
    (dict(n_steps=0), "n_steps must be at least 1"),
    (dict(decoder_precision=0.0), "decoder_precision must be positive"),
    (dict(learning_rate=-1.0), "learning_rate must be positive"),
    (dict(images=np.ones(64)), "images must have 2"),
    (dict(images=np.full((3, 64), np.nan)), "images must be finite"),
    (dict(rng=-1), "rng must be at least 0"),
    (dict(params={"encoder": {}}), "params must be the dict"),
    (dict(params=vae.init_params(n_pixels=10, rng=0)), "params take 10 pixels"),
])
def test_train_vae_names_a_bad_argument(kwargs, match):
    kw = dict(images=datasets.digits().train, decoder_precision=1.0, learning_rate=1e-3,
              n_steps=25, rng=0)
    kw.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        vae.train_vae(kw.pop("images"), **kw)


@pytest.mark.parametrize("call, match", [
    (lambda p: vae.encode(p, np.ones((2, 5))), "64 pixels"),
    (lambda p: vae.decode(p, np.ones((2, 5))), r"latents must have shape \(any, 8\)"),
    (lambda p: vae.free_energy_terms(p, np.ones((2, 64)), np.ones((1, 3, 8)),
                                     decoder_precision=1.0), "noise must have shape"),
    (lambda p: vae.free_energy_terms(p, np.ones((2, 64)), np.ones((1, 2, 8)),
                                     decoder_precision=1.0, backend="torch"), "backend"),
    (lambda p: vae.elbo_estimate(p, np.ones((2, 64)), decoder_precision=-2.0, rng=0),
     "decoder_precision"),
    (lambda p: vae.sample_prior(p, 0, rng=0), "n must be at least 1"),
    (lambda p: vae.encode({**p, "decoder": {"hidden": p["decoder"]["hidden"]}}, np.ones((1, 64))),
     "params\\['decoder'\\] must hold"),
])
def test_network_functions_name_a_bad_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call(vae.init_params(rng=0))


# ---------------------------------------------------------------------------------------------
# Data and scores
def test_digit_split_divides_simulation_2s_digits():
    d = datasets.digits()
    exclude = (0, 5, 5, 17, 1786)
    s = vae.digit_split(exclude, n_held_out=200, rng=0)
    assert s.held_out.shape == (200, 64) and len(s.train) == 10 + 1787 - 4 - 200
    assert not set(s.held_out_index) & set(s.train_index)
    assert not set(exclude) & (set(s.held_out_index) | set(s.train_index))
    assert_array_equal(s.train[:10], d.train)
    assert_array_equal(s.held_out, d.test[s.held_out_index])
    assert_array_equal(s.held_out_labels, d.test_labels[s.held_out_index])
    assert_array_equal(s.train[10:], d.test[s.train_index])
    again = vae.digit_split(exclude, n_held_out=200, rng=0)
    assert_array_equal(again.held_out_index, s.held_out_index)
    with pytest.raises(ValueError, match="exclude"):
        vae.digit_split((1787,))
    with pytest.raises(ValueError, match="n_held_out"):
        vae.digit_split(n_held_out=1787)


@pytest.mark.parametrize("source", ["lfw", "sample_images"])
def test_non_digit_images_are_preprocessed_like_the_digits(source):
    if source == "lfw" and importlib.util.find_spec("skimage") is None:
        pytest.skip("scikit-image is not installed")
    x = vae.non_digit_images(source)
    assert x.ndim == 2 and x.shape[1] == 64 and len(x) >= 50
    assert_allclose(x.mean(axis=1), 0, atol=1e-12)
    assert_allclose(x.std(axis=1), 1, rtol=1e-12)
    if source == "lfw":
        assert len(x) == 100


def test_noisy_digits_have_a_signal_to_noise_ratio_of_one():
    x = np.tile(datasets.digits().train, (200, 1))
    noisy = vae.noisy_digits(x, rng=0)
    assert_allclose(np.std(noisy - x), 1.0, rtol=0.01)
    assert_array_equal(noisy, vae.noisy_digits(x, rng=0))


def test_denoising_scores_follow_simulation_2s_definition():
    params = vae.init_params(rng=0)
    d = datasets.digits()
    orig = 0.1 * 11.0 * d.test[:6]                          # Simulation 2's scale
    noisy = orig + orig.std(axis=1, keepdims=True) * np.random.default_rng(0).normal(size=(6, 64))
    s = vae.denoising_scores(params, noisy, orig)
    response = vae.reconstruct(params, datasets.zscore(noisy))
    assert_allclose(s["response"], response, rtol=1e-14)
    want = metrics.correlation(response, orig) ** 2 - metrics.correlation(noisy, orig) ** 2
    assert_allclose(s["score"], want, rtol=1e-14)
    # scale-free: the same noisy digits at unit scale score the same
    s1 = vae.denoising_scores(params, noisy / 1.1, orig / 1.1)
    assert_allclose(s1["score"], s["score"], rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="same shape"):
        vae.denoising_scores(params, noisy, orig[:3])


def test_anomaly_auc_is_the_probability_of_ranking_a_pair_right():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 40), rng.normal(1, 1, 30)
    pairs = np.mean((b[None, :] > a[:, None]) + 0.5 * (b[None, :] == a[:, None]))
    assert_allclose(vae.anomaly_auc(a, b), pairs, rtol=1e-14)
    assert vae.anomaly_auc([0.0], [1.0]) == 1.0 and vae.anomaly_auc([1.0], [0.0]) == 0.0
    fpr, tpr = vae.anomaly_roc(a, b)
    assert_allclose(np.trapezoid(tpr, fpr), pairs, rtol=1e-12)
    with pytest.raises(ValueError, match="non-empty"):
        vae.anomaly_auc([], [1.0])


def test_latent_projection_keeps_the_variance_it_says():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(200, 8)) * np.array([5, 3, 1, 1, 1, 1, 1, 1])
    p, kept = vae.latent_projection(m)
    assert p.shape == (200, 2)
    assert_allclose(np.sum(p.var(axis=0)) / np.sum(m.var(axis=0)), kept, rtol=1e-12)
    q, _ = vae.latent_projection(m[::-1])         # a sign convention: no flip with the order
    assert_allclose(q, p[::-1], atol=1e-12)
    two, one = vae.latent_projection(m[:, :2])
    assert one == 1.0
    assert_array_equal(two, m[:, :2])


# ---------------------------------------------------------------------------------------------
# The chapter's and the Interactive section's runs
@needs_jax
def test_chapter_vaes_train_both_models_per_seed():
    out = vae.chapter_vaes(exclude=(1, 2), seeds=(0, 3), n_steps=25, n_held_out=50)
    assert len(out.many) == len(out.ten) == 2
    assert out.many[0].settings["n_train"] == 10 + 1787 - 2 - 50
    assert out.ten[1].settings["n_train"] == 10
    assert out.settings["seeds"] == (0, 3)


@needs_jax
def test_explore_run_evaluates_a_short_training():
    run = vae.explore_run(decoder_precision=10.0, learning_rate=1e-3, n_steps=50)
    assert run.originals.shape == run.reconstructions.shape == run.samples.shape == (8, 64)
    assert run.latent_means.shape == (300, vae.N_LATENT) and run.labels.shape == (300,)
    assert np.isfinite(run.held_out_free_energy) and 0 <= run.auc <= 1
    assert np.isfinite(run.denoising)
