"""A person's model file in the page, on the Python side (py/peel/models/browser_files.py).

The worker calls these through peel.bridge on the file's bytes; here they run under CPython on
the same bytes: the real u2netp and ISNet files, and the bad files the page must refuse.
"""

import pytest
from onnx import TensorProto, helper

from peel import errors
from peel.models import FILE_MODELS, get_model
from peel.models.browser_files import BROWSER_MODEL_LIMIT, add_model_file, check_browser_size, describe_model_file
from peel.settings import Settings


@pytest.fixture(autouse=True)
def forget_registered_models():
    yield
    FILE_MODELS.clear()


def test_isnet_bytes_are_registered_under_the_files_stem(isnet_model_path):
    data = isnet_model_path.read_bytes()
    model = add_model_file(data, "isnet.onnx")
    assert get_model("isnet") is model
    assert Settings(model="isnet").model == "isnet"  # a valid model setting now
    described = describe_model_file(model)
    assert described == {
        "name": "isnet", "title": "isnet (ISNet (DIS))", "family": "isnet", "family_label": "ISNet (DIS)",
        "kind": model.kind, "input_size": 1024, "size": len(data), "sha256": model.sha256,
        "recognised_by": "signature", "licence": "NOASSERTION", "input_dtype": "float32",
    }
    # On a later visit the page adds the kept file again under the name it was given.
    assert add_model_file(data, "isnet.onnx", name="my-isnet", family="isnet").name == "my-isnet"


def test_size_is_refused_from_the_size_alone():
    check_browser_size(BROWSER_MODEL_LIMIT, "ok.onnx")
    with pytest.raises(errors.ModelTooLargeError) as caught:
        check_browser_size(BROWSER_MODEL_LIMIT + 1, "birefnet-general.onnx")
    assert caught.value.message == ("birefnet-general.onnx: the file is 536.9 MB, larger than the 536.9 MB a model "
                                    "may take here (it would not fit in memory)")
    assert (caught.value.size, caught.value.limit) == (BROWSER_MODEL_LIMIT + 1, BROWSER_MODEL_LIMIT)
    with pytest.raises(errors.ModelTooLargeError, match=r"^big\.onnx: the file is 973\.0 MB, larger than the 536\.9 MB"):
        check_browser_size(973_000_000, "big.onnx")


def test_zeros_are_not_onnx_and_name_the_file():
    with pytest.raises(errors.NotOnnxError, match=r"^zeros\.onnx: not an ONNX model") as caught:
        add_model_file(bytes(50_000_000), "zeros.onnx")
    assert caught.value.code == "not-onnx"
    assert not FILE_MODELS


def test_unknown_family_asks_the_page_and_a_chosen_family_is_used(tmp_path):
    image = lambda name, shape: helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)  # noqa: E731
    graph = helper.make_graph([helper.make_node("ReduceMean", ["input"], ["out"], axes=[1], keepdims=1)], "odd",
                              [image("input", [1, 3, 256, 256])], [image("out", [1, 1, 256, 256])])
    data = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()
    with pytest.raises(errors.UnknownModelFamilyError, match=r"^odd\.onnx: .*choose its family \(u2net, .*\) in the list") as caught:
        add_model_file(data, "odd.onnx")
    assert "--model-family" not in caught.value.message
    model = add_model_file(data, "odd.onnx", family="u2net")
    assert (model.name, model.family, model.recognised_by) == ("odd", "u2net", "family")
    with pytest.raises(errors.InvalidArgumentError, match="family must be one of"):
        add_model_file(data, "odd.onnx", family="resnet")


def test_pinned_u2netp_is_built_in_already(upstream_model_path):
    with pytest.raises(errors.InvalidArgumentError, match=r"^u2netp\.onnx is Peel's own u2netp model"):
        add_model_file(upstream_model_path.read_bytes(), "u2netp.onnx")
    assert not FILE_MODELS
