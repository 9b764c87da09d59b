"""Model families and model files (issue 27): rembg's maths, recognition, bad files, rembg's folder.

rembg's numbers are written here from its sessions (rembg/sessions/*.py, checked 2026-12):
``BaseSession.normalize`` resizes to the model's size with LANCZOS, divides by the image's maximum,
subtracts ``mean`` and divides by ``std`` in float64; every session min–max normalises its first
output (BiRefNet after a sigmoid).
"""

import hashlib
import shutil

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from PIL import Image

from peel import errors
from peel.desktop import cli
from peel.desktop.api import Remover
from peel.desktop.model_files import find_rembg_files, open_model, rembg_home, rembg_model_path
from peel.desktop.models_command import describe_models
from peel.desktop.native import OnnxInference
from peel.models import FAMILY_NAMES, FILE_MODELS, get_family, get_model
from peel.models.onnx_graph import read_signature
from peel.models.recognise import guess_family, recognise_model
from peel.models.rembg import REMBG_MODELS, by_md5
from peel.settings import Settings

#: (rembg model, size, mean, std), as each rembg session calls ``self.normalize``.
REMBG_NORMALISATION = [
    ("u2net", 320, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    ("u2netp", 320, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    ("u2net_human_seg", 320, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    ("silueta", 320, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    ("isnet-general-use", 1024, (0.5, 0.5, 0.5), (1.0, 1.0, 1.0)),
    ("isnet-anime", 1024, (0.485, 0.456, 0.406), (1.0, 1.0, 1.0)),
    ("birefnet-general", 1024, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    ("birefnet-portrait", 1024, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
]
#: rembg's ``model_hash`` of each file (its md5), from its sessions.
REMBG_MD5 = {"u2netp": "8e83ca70e441ab06c318d82300c84806", "u2net": "60024c5c889badc19c04ad937298a77b",
             "isnet-general-use": "fc16ebd8b0c10d971d3513d564d01e29",
             "isnet-anime": "6f184e756bb3bd901c8849220a83e38e",
             "birefnet-general": "7a35a0141cbbc80de11d9c9a28f52697"}


def rembg_normalize(rgba, size, mean, std):
    """rembg's BaseSession.normalize, step by step in float64."""
    image = Image.fromarray(rgba, "RGBA").convert("RGB").resize((size, size), Image.Resampling.LANCZOS)
    array = np.array(image)
    array = array / max(np.max(array), 1e-6)
    out = np.zeros((size, size, 3))
    for channel in range(3):
        out[:, :, channel] = (array[:, :, channel] - mean[channel]) / std[channel]
    return np.expand_dims(out.transpose((2, 0, 1)), 0).astype(np.float32)


def rembg_mask(prediction, sigmoid):
    """rembg's predict() after the run: (sigmoid), min–max of ``ort_outs[0][:, 0]``, squeezed."""
    pred = prediction[:, 0, :, :].astype(np.float64)
    if sigmoid:
        pred = 1 / (1 + np.exp(-pred))
    return np.squeeze((pred - pred.min()) / (pred.max() - pred.min()))


def spec_for(rembg_name):
    """The family preprocessing of a rembg model, as a file recognised by its md5 gets it."""
    entry = REMBG_MODELS[rembg_name]
    return get_family(entry.family), entry.mean


def save_graph(path, inputs, outputs, nodes, initializers=()):
    model = helper.make_model(helper.make_graph(nodes, "g", inputs, outputs, list(initializers)),
                              opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(model, path)
    return path


def image_value(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def segmentation_graph(path, side, outputs=1, sigmoid=False, channels_out=1):
    """A small graph with the signature of a segmentation model: a 1×1 convolution of the image
    (its logits), optionally a sigmoid, and `outputs` copies of the map (side outputs)."""
    rng = np.random.default_rng(side if isinstance(side, int) else 0)
    weight = helper.make_tensor("w", TensorProto.FLOAT, [channels_out, 3, 1, 1],
                                rng.normal(0, 1, 3 * channels_out).astype(np.float32).tolist())
    bias = helper.make_tensor("b", TensorProto.FLOAT, [channels_out], [0.1] * channels_out)
    nodes = [helper.make_node("Conv", ["input", "w", "b"], ["logits"])]
    last = "logits"
    if sigmoid:
        nodes.append(helper.make_node("Sigmoid", ["logits"], ["prob"]))
        last = "prob"
    names = [f"out{i}" for i in range(outputs)]
    nodes += [helper.make_node("Identity", [last], [name]) for name in names]
    shape = [1, 3, side, side] if isinstance(side, int) else [1, 3, "height", "width"]
    out_shape = [1, channels_out, *shape[2:]]
    return save_graph(path, [image_value("input", shape)], [image_value(n, out_shape) for n in names], nodes,
                      [weight, bias])


@pytest.fixture
def photo(fixture_image):
    return np.asarray(Image.fromarray(fixture_image("astronaut")).convert("RGBA"))


@pytest.fixture(autouse=True)
def forget_registered_models():
    yield
    FILE_MODELS.clear()


# --- Families: rembg's maths. ---

@pytest.mark.parametrize("name,size,mean,std", REMBG_NORMALISATION, ids=[row[0] for row in REMBG_NORMALISATION])
@pytest.mark.parametrize("seed", [0, 1])
def test_family_preprocessing_is_rembgs(name, size, mean, std, seed):
    rng = np.random.default_rng(seed)
    rgba = rng.integers(0, 200 + 55 * seed, (61 + seed * 40, 97, 4), dtype=np.uint8)
    family, model_mean = spec_for(name)
    tensor = family.prepare_input(rgba, mean=model_mean)
    expected = rembg_normalize(rgba, size, mean, std)
    assert tensor.shape == (1, 3, size, size) and tensor.dtype == np.float32
    np.testing.assert_allclose(tensor, expected, atol=2e-6)


def test_family_preprocessing_of_a_photo(photo):
    for name, size, mean, std in REMBG_NORMALISATION[3:6]:
        family, model_mean = spec_for(name)
        np.testing.assert_allclose(family.prepare_input(photo, mean=model_mean),
                                   rembg_normalize(photo, size, mean, std), atol=2e-6)


@pytest.mark.parametrize("family,sigmoid", [("u2net", False), ("isnet", False), ("birefnet", True)])
def test_family_output_is_rembgs(family, sigmoid):
    rng = np.random.default_rng(3)
    prediction = (rng.normal(0, 4, (1, 1, 40, 30))).astype(np.float32)
    mask = get_family(family).to_mask(prediction)
    assert mask.shape == (40, 30) and mask.dtype == np.float32
    assert mask.min() == 0 and mask.max() == 1
    np.testing.assert_allclose(mask, rembg_mask(prediction, sigmoid), atol=1e-6)


def test_modnet_family_is_the_built_in_modnet(photo):
    modnet = get_model("modnet")
    np.testing.assert_array_equal(get_family("modnet").prepare_input(photo), modnet.prepare_input(photo))
    assert get_family("modnet").KIND == "matte" and get_family("isnet").KIND == "saliency"


def test_catalogue_matches_rembgs_hashes():
    for name, md5 in REMBG_MD5.items():
        assert REMBG_MODELS[name].md5 == md5 and by_md5(md5.upper()).name == name
    assert {entry.family for entry in REMBG_MODELS.values()} <= set(FAMILY_NAMES)
    assert by_md5("0" * 32) is None


# --- The signature reader, against the onnx package. ---

def onnx_signature(path):
    graph = onnx.load(str(path), load_external_data=False).graph
    weights = {init.name for init in graph.initializer}

    def info(value):
        dims = tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
                     for d in value.type.tensor_type.shape.dim)
        return value.name, dims

    return [info(v) for v in graph.input if v.name not in weights], [info(v) for v in graph.output]


@pytest.mark.parametrize("which", ["u2netp", "modnet", "isnet", "birefnet-like", "dynamic"])
def test_signature_reader_agrees_with_onnx(which, upstream_model_path, isnet_model_path, tmp_path):
    from peel.desktop.assets import cache_path
    from peel.models import modnet

    path = {"u2netp": upstream_model_path, "modnet": cache_path(modnet.MODNET.file.sha256), "isnet": isnet_model_path,
            "birefnet-like": None, "dynamic": None}[which]
    if which == "modnet" and not path.is_file():
        pytest.skip("the MODNet file is fetched by its own tests")
    if path is None:
        path = segmentation_graph(tmp_path / "g.onnx", 1024 if which == "birefnet-like" else "dynamic")
    signature = read_signature(path.read_bytes())
    inputs, outputs = onnx_signature(path)
    assert [(i.name, i.shape) for i in signature.inputs] == inputs
    assert [(o.name, o.shape) for o in signature.outputs] == outputs
    assert all(i.dtype == "float32" for i in signature.inputs)


# --- Recognition: md5, then signature, then the caller's family. ---

def test_u2netp_is_recognised_by_its_md5(upstream_model_path):
    spec = recognise_model(upstream_model_path)
    assert (spec.name, spec.family, spec.recognised_by) == ("u2netp", "u2net", "md5")
    assert spec.md5 == REMBG_MD5["u2netp"] and spec.rembg.licence == "Apache-2.0"
    assert spec.size == upstream_model_path.stat().st_size


def test_isnet_copy_is_recognised_by_its_signature(isnet_model_path):
    spec = recognise_model(isnet_model_path, name="isnet-fp16")
    assert (spec.name, spec.family, spec.recognised_by, spec.rembg) == ("isnet-fp16", "isnet", "signature", None)
    assert spec.input_shape(3000, 4000) == (1, 3, 1024, 1024)


@pytest.mark.parametrize("side,outputs,family", [(320, 7, "u2net"), (1024, 6, "isnet"), (1024, 1, "birefnet"),
                                                 (512, 1, None), ("dynamic", 1, None)])
def test_family_from_signature(tmp_path, side, outputs, family):
    path = segmentation_graph(tmp_path / "g.onnx", side, outputs=outputs)
    assert guess_family(read_signature(path.read_bytes())) == family
    if family is None:
        with pytest.raises(errors.UnknownModelFamilyError, match="--model-family") as caught:
            recognise_model(path)
        assert caught.value.code == "unknown-model-family"
        assert recognise_model(path, family="isnet").family == "isnet"  # the user's choice
    else:
        spec = recognise_model(path, family="modnet")  # the signature is not overruled by a guess
        assert spec.family == "modnet" and spec.recognised_by == "family"
        assert recognise_model(path).family == family


def test_a_recognised_file_is_a_model_of_its_family_never_a_served_one(tmp_path):
    from peel.models import MODELS, birefnet
    from peel.models.declaration import Model

    spec = recognise_model(segmentation_graph(tmp_path / "b.onnx", 1024, outputs=1), name="my-birefnet-2")
    assert isinstance(spec, Model) and (spec.file, spec.served) == (None, None)
    assert (spec.family, spec.kind, spec.input_size) == ("birefnet", "saliency", birefnet.INPUT_SIZE)
    assert spec.processing is birefnet and spec.label == "my-birefnet-2 (BiRefNet)"
    prediction = np.random.default_rng(1).normal(0, 3, (1, 1, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(spec.to_mask(prediction), birefnet.to_mask(prediction))
    with pytest.raises(errors.InvalidArgumentError, match="model must be one of"):
        Settings(model="my-birefnet-2")
    open_model(None, tmp_path / "b.onnx", family="birefnet")
    assert Settings(model="b").model == "b" and "b" not in MODELS  # registered, not declared


def test_bytes_are_recognised_like_the_file(upstream_model_path):
    spec = recognise_model(upstream_model_path.read_bytes(), flag="model file")
    assert spec.name == "u2netp" and spec.path is None


# --- Bad files: each a typed error whose message names the flag. ---

def test_not_onnx(tmp_path):
    zeros = tmp_path / "zeros.onnx"
    with zeros.open("wb") as f:  # 50 MB of zeros, sparse
        f.truncate(50_000_000)
    for path in (zeros, tmp_path / "photo.onnx", tmp_path / "empty.onnx", tmp_path / "text.onnx"):
        if path.name == "photo.onnx":
            Image.new("RGB", (8, 8)).save(path, "PNG")
        elif path.name == "empty.onnx":
            path.write_bytes(b"")
        elif path.name == "text.onnx":
            path.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\n")
        with pytest.raises(errors.NotOnnxError, match=rf"^--model-file {path.name}: not an ONNX model") as caught:
            recognise_model(path)
        assert caught.value.code == "not-onnx" and isinstance(caught.value, ValueError)


def test_cut_short_onnx_is_not_onnx(upstream_model_path, tmp_path):
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(upstream_model_path.read_bytes()[:1_000_000])
    with pytest.raises(errors.NotOnnxError):
        recognise_model(cut)


def test_classifier_is_not_a_segmentation_model(tmp_path):
    weight = helper.make_tensor("w", TensorProto.FLOAT, [1000, 3], np.zeros(3000, np.float32).tolist())
    nodes = [helper.make_node("GlobalAveragePool", ["image"], ["pooled"]),
             helper.make_node("Flatten", ["pooled"], ["flat"]),
             helper.make_node("Gemm", ["flat", "w"], ["logits"], transB=1)]
    path = save_graph(tmp_path / "classifier.onnx", [image_value("image", [1, 3, 224, 224])],
                      [image_value("logits", [1, 1000])], nodes, [weight])
    with pytest.raises(errors.NotSegmentationModelError) as caught:
        recognise_model(path)
    message = caught.value.message
    assert message.startswith("--model-file classifier.onnx: ")
    assert "image: float32 [1, 3, 224, 224]" in message and "logits: float32 [1, 1000]" in message
    assert "expected one float input of shape [1, 3, H, W]" in message
    assert caught.value.code == "not-segmentation-model"


def test_two_inputs_or_int_input_are_refused(tmp_path):
    two = save_graph(tmp_path / "two.onnx", [image_value("a", [1, 3, 8, 8]), image_value("b", [1, 3, 8, 8])],
                     [image_value("c", [1, 3, 8, 8])], [helper.make_node("Add", ["a", "b"], ["c"])])
    ints = save_graph(tmp_path / "ints.onnx", [image_value("a", [1, 3, 8, 8], TensorProto.INT64)],
                      [image_value("c", [1, 3, 8, 8], TensorProto.INT64)], [helper.make_node("Identity", ["a"], ["c"])])
    with pytest.raises(errors.NotSegmentationModelError, match="2 inputs"):
        recognise_model(two)
    with pytest.raises(errors.NotSegmentationModelError, match="int64 input"):
        recognise_model(ints)


def test_too_large_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.onnx"
    with big.open("wb") as f:
        f.truncate(3_000_000_000)  # sparse; never read
    with pytest.raises(errors.ModelTooLargeError) as caught:
        recognise_model(big, max_bytes=2_000_000_000)
    assert (caught.value.size, caught.value.limit) == (3_000_000_000, 2_000_000_000)
    assert caught.value.message == ("--model-file big.onnx: the file is 3.0 GB, larger than the 2.0 GB a model "
                                    "may take here (it would not fit in memory)")
    with pytest.raises(errors.ModelTooLargeError):
        recognise_model(big)  # a single-file ONNX model cannot exceed 2 GiB


def test_a_graph_the_runtime_refuses_is_a_session_error(tmp_path):
    path = save_graph(tmp_path / "odd.onnx", [image_value("input", [1, 3, 320, 320])],
                      [image_value("out", [1, 1, 320, 320])],
                      [helper.make_node("NoSuchOperator", ["input"], ["out"], domain="")])
    assert recognise_model(path).family == "u2net"  # its signature is fine
    with pytest.raises(errors.ModelSessionError, match=r"^--model-file odd.onnx: onnxruntime could not load this "
                                                       r"model: .*NoSuchOperator") as caught:
        OnnxInference(path, threads=1, flag="--model-file odd.onnx")
    assert "[ONNXRuntimeError]" not in caught.value.message and caught.value.code == "model-session-failed"


# --- Running files: BiRefNet's path on a generated graph, ISNet on real weights. ---

def test_birefnet_signature_runs_as_rembg_runs_it(tmp_path, photo):
    """No BiRefNet weights can be had here: a generated graph with its signature (one 1024² input,
    one output of logits) checks the preprocessing and the sigmoid-then-min–max output path."""
    path = segmentation_graph(tmp_path / "birefnet-like.onnx", 1024, outputs=1)
    remover = Remover(model=path, threads=1)
    assert remover.model == "birefnet-like" and get_model("birefnet-like").family == "birefnet"
    mask = remover.mask(photo, "birefnet-like")
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (logits,) = session.run(None, {"input": rembg_normalize(photo, 1024, (0.485, 0.456, 0.406),
                                                            (0.229, 0.224, 0.225))})
    np.testing.assert_allclose(mask, rembg_mask(logits, sigmoid=True), atol=2e-5)
    cutout = remover.remove(photo, format="mask", refine="none", threshold="off")
    assert cutout.size == (photo.shape[1], photo.shape[0])


def test_isnet_real_weights_give_rembgs_mask(isnet_model_path, photo):
    """The fp16 ISNet (general use) run as a user's file: the mask equals rembg's maths on the
    same session, and it finds the astronaut where u2netp does."""
    import onnxruntime

    remover = Remover(model=isnet_model_path, threads=2)
    name = remover.model
    assert get_model(name).family == "isnet"
    mask = remover.mask(photo, name)
    session = onnxruntime.InferenceSession(str(isnet_model_path), providers=["CPUExecutionProvider"])
    (prediction, *_) = session.run(None, {"input": rembg_normalize(photo, 1024, (0.5, 0.5, 0.5), (1.0, 1.0, 1.0))})
    expected = rembg_mask(prediction, sigmoid=False)
    assert mask.shape == (1024, 1024)
    assert np.abs(mask - expected).max() <= 1 / 255
    small = np.asarray(Image.fromarray((mask * 255).astype(np.uint8)).resize((320, 320), Image.Resampling.BILINEAR))
    u2netp = Remover(threads=2).mask(photo) * 255
    agree = np.mean((small > 127) == (u2netp > 127))
    assert agree > 0.9, agree


# --- The desktop: rembg's folder, the command, the API. ---

@pytest.fixture
def fake_home(tmp_path, upstream_model_path, monkeypatch):
    """A rembg folder holding the u2netp file under its rembg name, and a damaged 'u2net'."""
    home = tmp_path / "u2net-home"
    home.mkdir()
    shutil.copyfile(upstream_model_path, home / "u2netp.onnx")
    (home / "u2net.onnx").write_bytes(upstream_model_path.read_bytes()[:-10])  # a partial download
    (home / "notes.txt").write_text("not a model")
    (home / "mine.onnx").write_bytes(b"x")
    monkeypatch.setenv("U2NET_HOME", str(home))
    return home


def test_rembg_home_follows_rembgs_rule(tmp_path):
    assert rembg_home({"U2NET_HOME": str(tmp_path)}) == tmp_path
    assert rembg_home({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / ".u2net"
    assert str(rembg_home({})).endswith("/.u2net") and "~" not in str(rembg_home({}))


def test_rembg_files_are_found_and_checked(fake_home, upstream_model_path):
    found = find_rembg_files()
    assert [(f.path.name, f.rembg.name if f.rembg else None) for f in found] == [
        ("u2net.onnx", "u2net"), ("u2netp.onnx", "u2netp"), ("mine.onnx", None)]
    assert rembg_model_path("u2netp") == fake_home / "u2netp.onnx"
    assert hashlib.md5((fake_home / "u2netp.onnx").read_bytes()).hexdigest() == REMBG_MD5["u2netp"]
    with pytest.raises(errors.ModelChecksumError, match=r"^--model u2net: .* is not rembg's u2net \(md5 "):
        rembg_model_path("u2net")
    with pytest.raises(errors.ModelNotFoundError, match=r"^--model silueta: no silueta.onnx in "):
        rembg_model_path("silueta")
    with pytest.raises(errors.ModelNotFoundError, match=r"^--model nope: no such model; built in: u2netp, modnet"):
        rembg_model_path("nope")
    listing = "\n".join(describe_models(check=True))
    assert "u2netp                    4.6 MB  U²-Net: anything, small (Peel's default), Apache-2.0  md5 ok" in listing
    assert "md5 WRONG" in listing and "mine.onnx" in listing and "isnet-general-use" in listing


def test_rembg_name_with_a_fake_home_runs(fake_home, photo):
    """A rembg model that is not built in is taken from rembg's folder after its md5 check:
    here the u2netp file placed under silueta's name fails it; under its own name it runs."""
    shutil.copyfile(fake_home / "u2netp.onnx", fake_home / "silueta.onnx")
    with pytest.raises(errors.ModelChecksumError):
        Remover(model="silueta")
    name, spec = open_model(None, fake_home / "u2netp.onnx")
    assert name == "u2netp" and spec == fake_home / "u2netp.onnx"  # rembg's u2netp is Peel's own


def test_cli_models_and_bad_files(fake_home, tmp_path, capsys, fixture_image):
    assert cli.main(["models"]) == 0
    out = capsys.readouterr().out
    assert "u2netp" in out and str(fake_home) in out
    photo = tmp_path / "a.png"
    Image.fromarray(fixture_image("astronaut")).save(photo)
    for argv, message in [(["--model", "u2net"], "--model u2net: "),
                          (["--model", "nope"], "--model nope: no such model"),
                          (["--model-file", str(fake_home / "mine.onnx")], "--model-file mine.onnx: not an ONNX model"),
                          (["--model-file", str(fake_home / "u2netp.onnx"), "--model-family", "nope"],
                           "invalid choice")]:
        with pytest.raises(SystemExit) as caught:
            cli.main([str(photo), *argv])
        assert caught.value.code == 2
        assert message in capsys.readouterr().err


def test_a_built_in_models_file_must_be_of_its_family(tmp_path, upstream_model_path):
    isnet_like = segmentation_graph(tmp_path / "isnet-like.onnx", 1024, outputs=6)
    with pytest.raises(errors.ModelFileError, match=r"^--model-file isnet-like.onnx: a model of the ISNet \(DIS\) "
                                                    r"family, not a file of --model u2netp"):
        open_model("u2netp", isnet_like)
    assert open_model("u2netp", upstream_model_path) == ("u2netp", upstream_model_path)
    dynamic = segmentation_graph(tmp_path / "dynamic.onnx", "dynamic")
    assert open_model("modnet", dynamic) == ("modnet", dynamic)  # nothing to tell: the user's word


def test_cli_model_file_of_another_family(tmp_path, fixture_image):
    path = segmentation_graph(tmp_path / "my-birefnet.onnx", 1024, outputs=1)
    photo = tmp_path / "a.png"
    Image.fromarray(fixture_image("astronaut")).save(photo)
    assert cli.main([str(photo), "--model-file", str(path), "--format", "mask", "--quiet", "-o", str(tmp_path)]) == 0
    assert Image.open(tmp_path / "a-mask.png").size == Image.open(photo).size
    assert Settings(model="my-birefnet").threshold_range == Settings().threshold_range  # registered, a saliency map


# --- Other input sizes: the graph edit (peel models --resize). ---

def fixed_size_graph(path, side):
    """A graph built like ISNet's export: its Resize takes constant output sizes (taken at `side`)
    joined to the batch and channels read from a Shape; side outputs make it ISNet-like."""
    rng = np.random.default_rng(5)
    weight = helper.make_tensor("w", TensorProto.FLOAT, [1, 3, 1, 1], rng.normal(0, 1, 3).astype(np.float32).tolist())
    nodes = [helper.make_node("Conv", ["input", "w"], ["conv"]),
             helper.make_node("MaxPool", ["conv"], ["pooled"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Shape", ["pooled"], ["shape"]),
             helper.make_node("Slice", ["shape", "zero", "two"], ["nc"]),
             helper.make_node("Constant", [], ["hw"], value=helper.make_tensor("hw_v", TensorProto.INT64, [2],
                                                                                [side, side])),
             helper.make_node("Concat", ["nc", "hw"], ["sizes"], axis=0),
             helper.make_node("Resize", ["pooled", "", "", "sizes"], ["up"], mode="linear"),
             helper.make_node("Sigmoid", ["up"], ["out0"]), helper.make_node("Identity", ["up"], ["out1"])]
    inits = [weight, helper.make_tensor("zero", TensorProto.INT64, [1], [0]),
             helper.make_tensor("two", TensorProto.INT64, [1], [2])]
    model = helper.make_model(helper.make_graph(nodes, "g", [image_value("input", [1, 3, side, side])],
                                                [image_value(n, [1, 1, side, side]) for n in ("out0", "out1")],
                                                inits), opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(onnx.shape_inference.infer_shapes(model), path)
    return path


def test_resized_graph_runs_at_other_sizes_and_says_so(tmp_path, photo):
    import onnxruntime

    from peel.desktop.graph_edit import resize_graph

    source = fixed_size_graph(tmp_path / "fixed.onnx", 256)
    with pytest.raises(Exception):  # the original cannot take 128: its Resize sizes are constants
        onnxruntime.InferenceSession(str(source)).run(None, {"input": np.zeros((1, 3, 128, 128), np.float32)})
    target = tmp_path / "any.onnx"
    assert resize_graph(source, target, 128) == 1
    x = np.random.default_rng(0).random((1, 3, 256, 256), dtype=np.float32)
    same = [onnxruntime.InferenceSession(str(p)).run(None, {"input": x})[0] for p in (source, target)]
    np.testing.assert_allclose(same[0], same[1], atol=1e-6)
    small = onnxruntime.InferenceSession(str(target)).run(None, {"input": x[:, :, :128, :128]})[0]
    assert small.shape == (1, 1, 128, 128)
    spec = recognise_model(target)
    assert (spec.family, spec.input_size, spec.recognised_by) == ("isnet", 128, "metadata")
    assert spec.prepare_input(photo).shape == (1, 3, 128, 128)
    with pytest.raises(errors.InvalidArgumentError, match="multiple of 32"):
        resize_graph(source, target, 100)


def test_models_resize_command(tmp_path, capsys):
    source = fixed_size_graph(tmp_path / "fixed.onnx", 1024)
    assert cli.main(["models", "--resize", str(source), "640", str(tmp_path / "isnet-640.onnx")]) == 0
    assert "at 640 × 640" in capsys.readouterr().out
    birefnet = segmentation_graph(tmp_path / "b.onnx", 1024, outputs=1)
    with pytest.raises(SystemExit):
        cli.main(["models", "--resize", str(birefnet), "640", str(tmp_path / "x.onnx")])
    assert "only ISNet and U²-Net graphs are resized" in capsys.readouterr().err
