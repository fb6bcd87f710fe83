"""Independent float64 NumPy references of the orthogonal and unitary cells.

Written from the papers (Helfrich et al. 2018, Lezcano-Casado and
Martinez-Rubio 2019, Arjovsky et al. 2016), not from kerasseq's code: the
matrix exponential comes from an eigendecomposition or a Taylor series, the
Cayley transform from a matrix inverse, and the unitary matrix is a product
of explicit complex matrices with `numpy.fft`. Steps follow
`numpy_reference.run`'s `step(x, states, weights)` signature, with `weights`
a dict from weight name (`kernel`, `skew_kernel`, ...) to array.
"""

import numpy as np


def skew(params):
    upper = np.triu(params, 1)
    return upper - upper.T


def cayley(a):
    eye = np.eye(len(a))
    return np.linalg.inv(eye + a) @ (eye - a)


def expm_eig(a):
    """exp of a real skew-symmetric `a`: `i a` is Hermitian, so eigh applies."""
    eigenvalues, vectors = np.linalg.eigh(1j * a)
    result = (vectors * np.exp(-1j * eigenvalues)) @ vectors.conj().T
    return result.real


def expm_taylor(a, terms=40):
    """exp of any real matrix: Taylor series of `a / 2^s`, squared `s` times."""
    norm = np.abs(a).sum(axis=0).max()
    squarings = max(0, int(np.ceil(np.log2(norm / 0.25))) if norm > 0 else 0)
    scaled = a / 2.0**squarings
    result, term = np.eye(len(a)), np.eye(len(a))
    for k in range(1, terms):
        term = term @ scaled / k
        result = result + term
    for _ in range(squarings):
        result = result @ result
    return result


MAPS = {"cayley": cayley, "exp": expm_eig}


def modrelu(z, bias):
    return np.sign(z) * np.maximum(np.abs(z) + bias, 0.0)


def complex_modrelu(z, bias):
    modulus = np.abs(z)
    safe = np.where(modulus > 0, modulus, 1.0)
    return np.where(modulus > 0, z / safe * np.maximum(modulus + bias, 0.0), 0.0)


def orthogonal_step(x, states, weights, parametrization, activation="tanh"):
    w_h = MAPS[parametrization](skew(weights["skew_kernel"]))
    z = x @ weights["kernel"] + states[0] @ w_h + weights["bias"]
    if activation == "modrelu":
        h = modrelu(z, weights["modrelu_bias"])
    else:
        h = np.tanh(z)
    return h, [h]


def unitary_matrix(phases, reflections, permutation):
    """Complex `W = D3 R2 F^-1 D2 P R1 F D1` (Arjovsky et al. 2016, eq. 6)."""
    n = phases.shape[-1]
    diagonal = [np.diag(np.exp(1j * theta)) for theta in phases]
    householder = []
    for v_real, v_imag in reflections:
        v = (v_real + 1j * v_imag)[:, None]
        householder.append(np.eye(n) - 2.0 * (v @ v.conj().T) / (v.conj().T @ v))
    fourier = np.fft.fft(np.eye(n), norm="ortho", axis=0)  # F @ h = fft(h)
    inverse_fourier = np.fft.ifft(np.eye(n), norm="ortho", axis=0)
    permute = np.eye(n)[permutation]  # (P h)_i = h_{permutation[i]}
    return (
        diagonal[2] @ householder[1] @ inverse_fourier @ diagonal[1]
        @ permute @ householder[0] @ fourier @ diagonal[0]
    )


def real_form(w):
    """`K` with `[Re(W h), Im(W h)] = [Re h, Im h] @ K` for row vectors."""
    return np.block([[w.real.T, w.imag.T], [-w.imag.T, w.real.T]])


def unitary_step(x, states, weights, activation="modrelu"):
    """The state is `[Re h, Im h]`; the output equals the new state."""
    phases = weights["phases"]
    n = phases.shape[-1]
    w = unitary_matrix(phases, weights["reflections"], weights["permutation"])
    h = states[0][:, :n] + 1j * states[0][:, n:]
    projected = x @ weights["kernel"] + weights["bias"]
    z = h @ w.T + projected[:, :n] + 1j * projected[:, n:]  # rows: W h
    if activation == "modrelu":
        z = complex_modrelu(z, weights["modrelu_bias"])
    out = np.concatenate([z.real, z.imag], axis=-1)
    return out, [out]
