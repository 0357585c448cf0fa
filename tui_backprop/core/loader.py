"""Network files: TOML, or JSON with the same structure (see examples/)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as a backport
    import tomli as tomllib

from . import datasets
from .lesson import Lesson, lesson_from_dict
from .network import MAX_EPOCH_OPERATIONS, MAX_LAYERS, Network, NetworkError, Parameters, Sample, sample_operations
from .presets import random_weights
from .safe_files import read_regular

# Far beyond a network a student steps through by hand, and small enough that a
# typo such as 1000000 fails at once instead of filling the memory.
MAX_LAYER_SIZE = 100
# MAX_LAYERS (network.py) layers, the input layer included: each one more multiplies the
# backward pass's work, and [100] * 20 took 25 s and 4.4 GB an epoch.
MAX_SAMPLES = 100_000
# 100,000 samples of 100 inputs and targets written out in full fit easily; a bigger file is not a network.
MAX_FILE_BYTES = 64 * 2**20
MAX_NAME = 200
# The shipped examples: package data (tui_backprop/examples), found by name wherever the package is installed.
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_SUFFIXES = (".toml", ".json")
KEYS = ("name", "layers", "activations", "loss", "bias", "train_bias", "learning_rate", "weights", "biases", "samples",
        "test_fraction", "split_seed", "test_samples", "batch", "shuffle_seed", "regularization", "regularization_rate",
        "optimizer", "momentum", "betas", "eps", "lesson")
# The keys each optimizer reads; another optimizer's key in a file is a mistake worth a message.
OPTIMIZER_KEYS = {"sgd": (), "momentum": ("momentum",), "adam": ("betas", "eps")}


def example_names() -> list[str]:
    """The shipped examples, by the name `--config` and `o` take (`iris`, `tanh-3-layer`)."""
    try:
        return sorted(path.stem for path in EXAMPLES.iterdir() if path.suffix in EXAMPLE_SUFFIXES)
    except OSError:
        return []


def network_path(text: str) -> Path:
    """The network file a user names: the file itself if there is one, else the shipped example of that
    name, with or without its suffix or folder (`iris`, `iris.toml`, `examples/iris.toml` from anywhere).
    A name that is neither comes back as typed, for load_network to say it cannot be read."""
    path = Path(text)
    if path.exists() or path.is_symlink():
        return path
    wanted = path.stem if path.suffix.lower() in EXAMPLE_SUFFIXES else path.name
    for suffix in ((path.suffix.lower(),) if path.suffix.lower() in EXAMPLE_SUFFIXES else EXAMPLE_SUFFIXES):
        example = EXAMPLES / f"{wanted}{suffix}"
        if wanted and example.is_file():
            return example
    return path


def load_network(path: str | Path, should_stop=None) -> Network:
    """Read a network file; every problem raises NetworkError with one line that names the key.
    `should_stop()` is asked while a data file is read, and raises files.Stopped when it says so."""
    return load_lesson(path, should_stop)[0]


def load_lesson(path: str | Path, should_stop=None, confined: bool = False) -> tuple[Network, Lesson | None]:
    """A network file and the lesson its `[lesson]` table describes, if it has one (lesson.py).
    `confined`: its data file must lie in the file's own folder (a served app: whatever a file names
    may not reach the rest of the server's files)."""
    path = Path(path)
    try:
        text = read_regular(path, MAX_FILE_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise NetworkError("file", f"cannot read: {getattr(error, 'strerror', None) or error}") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        # ValueError also covers numbers of more than 4300 digits; RecursionError, lists nested too deeply.
        except (ValueError, RecursionError) as error:
            raise NetworkError("file", f"not valid JSON: {error}") from None
    else:
        try:
            data = tomllib.loads(text)
        except (ValueError, RecursionError) as error:
            raise NetworkError("file", f"not valid TOML: {error}") from None
    net = network_from_dict(data, default_name=path.stem, base=path.parent, should_stop=should_stop,
                            within=path.parent if confined else None)
    return net, lesson_from_dict(data["lesson"], net) if "lesson" in data else None


def network_from_dict(data, default_name: str = "network", base: Path = Path(), should_stop=None,
                      within: Path | None = None) -> Network:
    """A network from the keys of a network file (a `lesson` table is lesson.py's); a data file's path is
    relative to `base`, and with `within` must lie in that folder."""
    if not isinstance(data, dict):
        raise NetworkError("file", "the top level must be a table of keys")
    unknown = [key for key in data if key not in KEYS]
    if unknown:
        raise NetworkError(_key_text(unknown[0]), f"unknown key (known keys: {', '.join(KEYS)})")
    for key in ("layers", "samples"):
        if key not in data:
            raise NetworkError(key, "missing")

    sizes = data["layers"]
    if not isinstance(sizes, list) or not sizes:
        raise NetworkError("layers", "must be a list of layer sizes, e.g. [2, 2, 2]")
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_LAYER_SIZE:
            raise NetworkError("layers", f"every layer needs a whole number of neurons, 1 to {MAX_LAYER_SIZE}; got {size!r}")
    if len(sizes) < 2:
        raise NetworkError("layers", "needs at least an input and an output layer")
    if len(sizes) > MAX_LAYERS:
        raise NetworkError("layers", f"at most {MAX_LAYERS} layers (the input layer included), got {len(sizes)}")
    depth = len(sizes) - 1

    activations = data.get("activations", "sigmoid")
    if isinstance(activations, str):
        activations = [activations] * depth
    if not isinstance(activations, list) or not all(isinstance(a, str) for a in activations):
        raise NetworkError("activations", "must be a name or a list of names")

    name = _typed(data, "name", str, default_name if default_name.isprintable() else "network")
    if not name.isprintable() or len(name) > MAX_NAME:
        raise NetworkError("name", f"must be printable text of up to {MAX_NAME} characters on one line, got {_quoted(name)}")
    loss = _typed(data, "loss", str, "half_sse")
    bias = _typed(data, "bias", str, "none")
    train_bias = _typed(data, "train_bias", bool, True)
    lr = data.get("learning_rate", 0.5)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)):
        raise NetworkError("learning_rate", f"must be a number, got {lr!r}")
    lr = _number("learning_rate", lr)
    if not lr > 0:
        raise NetworkError("learning_rate", f"must be a positive finite number, got {lr!r}")

    weight_count = sum(a * b for a, b in zip(sizes, sizes[1:]))
    bias_count = {"shared": depth, "neuron": sum(sizes[1:])}.get(bias, 0)
    weights = _numbers(data, "weights", weight_count, default_seed=0)
    biases = _numbers(data, "biases", bias_count, default_seed=None) if bias_count else ()
    if not bias_count and data.get("biases"):
        raise NetworkError("biases", f"given, but bias is {bias!r}; set bias = 'shared' or 'neuron'")

    per_sample = sample_operations(sizes, activations, bias_count, train_bias)
    samples, test_samples = _samples(data, base, sizes, per_sample, should_stop, within)
    source = None
    if isinstance(data["samples"], dict):
        source = (tuple((key, data[key]) for key in ("samples", "test_fraction", "split_seed") if key in data),
                  str(Path(base).resolve()))
    batch = data.get("batch", "full")
    if batch != "full" and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise NetworkError("batch", f'must be "full" or a whole number of samples of at least 1, got {batch!r}')
    shuffle_seed = data.get("shuffle_seed", 0)
    # Not negative: Python's random seeds with the absolute value, so -1 and 1 would be one seed.
    if isinstance(shuffle_seed, bool) or not isinstance(shuffle_seed, int) or not 0 <= shuffle_seed <= 2**63:
        raise NetworkError("shuffle_seed", f"must be a whole number from 0 to 2**63, got {shuffle_seed!r}")
    if "shuffle_seed" in data and (batch == "full" or batch >= len(samples)):
        raise NetworkError("shuffle_seed", "seeds the order of mini-batches, and one batch holds every sample")

    return Network(sizes=tuple(sizes), activations=tuple(activations), loss=loss, bias=bias, train_bias=train_bias,
                   start=Parameters(weights, biases, float(lr)), samples=tuple(samples), name=name,
                   test_samples=tuple(test_samples), batch=0 if batch == "full" else batch, shuffle_seed=shuffle_seed,
                   source=source, **_training(data))


def _training(data) -> dict:
    """The penalty and the optimizer: their keys, each checked here (and its range by Network)."""
    regularization = _typed(data, "regularization", str, "none")
    optimizer = _typed(data, "optimizer", str, "sgd")
    out = {"regularization": regularization, "optimizer": optimizer}
    if regularization in ("l1", "l2"):
        if "regularization_rate" not in data:
            raise NetworkError("regularization_rate", f"missing: regularization {regularization!r} needs its rate λ, e.g. 0.001")
        out["regularization_rate"] = _number("regularization_rate", data["regularization_rate"])
    elif "regularization_rate" in data:
        raise NetworkError("regularization_rate", 'given, but regularization is "none"; set regularization = "l1" or "l2"')
    for key in ("momentum", "betas", "eps"):
        if key in data and key not in OPTIMIZER_KEYS.get(optimizer, (key,)):
            raise NetworkError(key, f"given, but optimizer is {optimizer!r}; "
                                    f"{key} belongs to optimizer = {'momentum' if key == 'momentum' else 'adam'!r}")
    if "momentum" in data:
        out["momentum"] = _number("momentum", data["momentum"])
    if "eps" in data:
        out["eps"] = _number("eps", data["eps"])
    if "betas" in data:
        betas = data["betas"]
        if not isinstance(betas, list) or len(betas) != 2:
            raise NetworkError("betas", f"must be a list of two numbers [β1, β2], got {betas!r}")
        out["betas"] = tuple(_number("betas", b) for b in betas)
    return out


def _samples(data, base: Path, sizes, per_sample: int, should_stop=None,
             within: Path | None = None) -> tuple[list[Sample], list[Sample]]:
    """The training samples and the held-out test samples.  A data file is refused at the first row past
    the samples an epoch of at most MAX_EPOCH_OPERATIONS can take (`per_sample` operations each), not
    after it has been read whole (60 MB took 97 s and 1.5 GB to refuse)."""
    raw = data["samples"]
    seed, standardize = 0, False
    if isinstance(raw, dict):
        samples, seed, standardize = datasets.load_samples(raw, base, sizes[0], sizes[-1],
                                                           row_limit(data, sizes, per_sample), should_stop, within)
    else:
        samples = _sample_list(raw, "samples")
    test_samples = []
    if "test_samples" in data:
        if "test_fraction" in data:
            raise NetworkError("test_samples", "given with test_fraction; keep one of them")
        test_samples = _sample_list(data["test_samples"], "test_samples")
    if "split_seed" in data:
        seed = data["split_seed"]
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise NetworkError("split_seed", f"must be a whole number, got {seed!r}")
        if "test_fraction" not in data:
            raise NetworkError("split_seed", "seeds the split that test_fraction asks for, and there is none")
    if "test_fraction" in data:
        fraction = data["test_fraction"]
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
            raise NetworkError("test_fraction", f"must be a number between 0 and 1 (not 0 or 1), got {fraction!r}")
        samples, test_samples = datasets.hold_out(samples, fraction, seed)
    if standardize:
        samples, test_samples = datasets.standardized(samples, test_samples)
    return samples, test_samples


def row_limit(data, sizes, per_sample: int) -> datasets.RowLimit:
    """The most rows a data file may have: more would train more samples than an epoch of at most
    MAX_EPOCH_OPERATIONS takes, once test_fraction has held its share out."""
    most = MAX_EPOCH_OPERATIONS // per_sample  # training samples
    fraction = data.get("test_fraction")
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        fraction = 0  # none, or a bad one, refused after the samples are read
    # R rows train at least R·(1 − f) − ½ of them (round() holds out at most R·f + ½)
    rows = int((most + 0.5) / (1 - fraction))
    if rows >= datasets.MAX_ROWS:
        return datasets.RowLimit()
    return datasets.RowLimit(rows, f"more than one epoch through layers {list(sizes)} can take "
                                   f"({per_sample:,} operations a sample, at most {MAX_EPOCH_OPERATIONS:,} an epoch; "
                                   "use fewer rows, smaller layers, or hold rows out with test_fraction)")


def _sample_list(raw, key: str) -> list[Sample]:
    if not isinstance(raw, list) or not raw:
        raise NetworkError(key, "must be a non-empty list of {inputs = [...], targets = [...]}"
                                + (", or a table {file = ...} or {generate = ...}" if key == "samples" else ""))
    if len(raw) > MAX_SAMPLES:
        raise NetworkError(key, f"at most {MAX_SAMPLES:,} samples, got {len(raw):,}")
    samples = []
    for number, sample in enumerate(raw, 1):
        where = f"{key}[{number}]"
        if not isinstance(sample, dict):
            raise NetworkError(where, "must be a table with inputs and targets")
        extra = [k for k in sample if k not in ("inputs", "targets")]
        if extra:
            raise NetworkError(f"{where}.{_key_text(extra[0])}", "unknown key (a sample has inputs and targets)")
        parts = []
        for part in ("inputs", "targets"):
            values = sample.get(part)
            if not isinstance(values, list):
                raise NetworkError(f"{where}.{part}", "missing or not a list of numbers")
            parts.append(tuple(_number(f"{where}.{part}", v) for v in values))
        samples.append(Sample(*parts))
    return samples


def _key_text(key) -> str:
    """A key as it may appear in a one-line message: quoted if it holds a newline or other control character."""
    key = str(key)
    return key if key.isprintable() and len(key) <= 40 else _quoted(key)


def _quoted(text: str) -> str:
    """repr() of text, cut to a few dozen characters: a message quotes a value, it does not reproduce it."""
    return repr(text) if len(text) <= 40 else repr(text[:40]) + f"… ({len(text):,} characters)"


def _typed(data, key, kind, default):
    value = data.get(key, default)
    if not isinstance(value, kind):
        raise NetworkError(key, f"must be {'true or false' if kind is bool else 'text'}, got {value!r}")
    return value


def _number(key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NetworkError(key, f"expected numbers, got {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the largest float
        number = math.inf
    if not math.isfinite(number):
        raise NetworkError(key, f"numbers must be finite, got {value!r}")
    return number


def _numbers(data, key: str, count: int, default_seed: int | None) -> tuple[float, ...]:
    """An explicit list, or {seed = N, scale = X} for reproducible random numbers."""
    value = data.get(key)
    if value is None:
        if default_seed is None:
            return (0.0,) * count
        value = {"seed": default_seed}
    if isinstance(value, dict):
        unknown = [k for k in value if k not in ("seed", "scale")]
        if unknown:
            raise NetworkError(f"{key}.{_key_text(unknown[0])}", "unknown key (random values take seed and scale)")
        seed, scale = value.get("seed", 0), value.get("scale", 0.5)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise NetworkError(f"{key}.seed", f"must be a whole number, got {seed!r}")
        scale = _number(f"{key}.scale", scale)
        return random_weights(count, seed, scale)
    if not isinstance(value, list):
        raise NetworkError(key, "must be a list of numbers or {seed = N, scale = X}")
    numbers = tuple(_number(key, v) for v in value)
    if len(numbers) != count:
        raise NetworkError(key, f"expected {count} numbers for this shape, got {len(numbers)}")
    return numbers


def network_to_dict(net: Network) -> dict:
    """The inverse of `network_from_dict`: the same keys a network file uses."""
    data = {
        "name": net.name,
        "layers": list(net.sizes),
        "activations": list(net.activations),
        "loss": net.loss,
        "bias": net.bias,
        "train_bias": net.train_bias,
        "learning_rate": net.start.lr,
        "weights": list(net.start.weights),
        "samples": [{"inputs": list(s.inputs), "targets": list(s.targets)} for s in net.samples],
    }
    if net.start.biases:
        data["biases"] = list(net.start.biases)
    if net.batch:
        data["batch"] = net.batch
        if net.batch < len(net.samples):
            data["shuffle_seed"] = net.shuffle_seed
    if net.regularized:
        data["regularization"] = net.regularization
        data["regularization_rate"] = net.regularization_rate
    if net.optimizer != "sgd":
        data["optimizer"] = net.optimizer
        if net.optimizer == "momentum":
            data["momentum"] = net.momentum
        else:
            data["betas"], data["eps"] = list(net.betas), net.eps
    if net.test_samples:
        data["test_samples"] = [{"inputs": list(s.inputs), "targets": list(s.targets)} for s in net.test_samples]
    return data


def network_text(net: Network, path: str | Path) -> str:
    """`net` as the text of a network file at `path`: TOML, or JSON for a .json path, every number written
    so that it reads back to the same bits (repr).  A data set the samples came from (a CSV file, a
    generated set) is referred to, its file's path made relative to `path`'s folder, not copied.  The
    optimizer's state is not part of a network: loaded again, it starts at 0, as a new PyTorch optimizer
    over a saved model's parameters does."""
    data = network_to_dict(net)
    # A name the loader would refuse (made in code, not read from a file) is written as one it reads.
    data["name"] = "".join(c if c.isprintable() else " " for c in net.name)[:MAX_NAME]
    if net.source is not None:
        keys, folder = net.source
        for key in ("samples", "test_samples"):
            data.pop(key, None)
        for key, value in keys:
            if key == "samples" and "file" in value and isinstance(value["file"], str):
                target = Path(folder, value["file"])
                value = {**value, "file": Path(os.path.relpath(target, Path(path).resolve().parent)).as_posix()}
            data[key] = value
    if Path(path).suffix.lower() == ".json":
        return json.dumps(data, ensure_ascii=False, allow_nan=False) + "\n"
    return "".join(f"{key} = {_toml(value)}\n" for key, value in data.items())


def _toml(value) -> str:
    """A value of a network file as TOML: strings, booleans, numbers, lists and inline tables."""
    if isinstance(value, str):
        # JSON's escapes are TOML's; DEL is the one character TOML wants escaped and JSON does not.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_toml, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(key), ensure_ascii=False)} = {_toml(v)}" for key, v in value.items()) + "}"
    raise NetworkError("file", f"cannot write {value!r} in a network file")
