"""ONNX export: verified against PyTorch on all 10,000 test digits, self-describing, safe to fail."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import run_cli

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

from edgecam.edge.digits.model import DigitModel  # noqa: E402 - only once importorskip found the extra
from edgecam.edge.errors import DataError, MissingInput  # noqa: E402 - only once importorskip found the extra
from edgecam.export.onnx_export import sha256_of  # noqa: E402 - only once importorskip found the extra


def test_fp32_export_matches_pytorch_on_all_test_digits(fp32_export):
    path, report = fp32_export
    assert report["images"] == 10000
    assert report["agreement"] == 1.0
    assert report["max_abs_diff"] <= 1e-4
    assert report["onnx_accuracy"] == report["torch_accuracy"] > 0.95
    assert report["size_bytes"] == path.stat().st_size and report["latency_ms_batch1"] > 0
    assert report["path"] == str(path) and report["checker"] == "passed"


def test_exported_model_describes_itself(fp32_export, trained_checkpoint):
    path, _ = fp32_export
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["mean"] == "0.1307" and meta["std"] == "0.3081"
    assert meta["labels"] == "0,1,2,3,4,5,6,7,8,9" and meta["input_size"] == "28x28"
    assert meta["arch"] == "edge" and meta["opset"] == "18"
    assert meta["checkpoint_sha256"] == sha256_of(trained_checkpoint)
    assert float(meta["checkpoint_test_accuracy"]) > 0.95
    assert not [t for t in model.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
    assert not list(path.parent.glob("*.data")), "weights must live inside the .onnx file"
    batch_dim = model.graph.input[0].type.tensor_type.shape.dim[0]
    assert batch_dim.dim_param and not batch_dim.dim_value  # dynamic batch


def test_runtime_loader_classifies_real_digits_in_one_batch(fp32_export, mnist):
    path, _report = fp32_export
    digits = DigitModel(path, threads=1)
    predicted, probability = digits.classify(mnist.test_images[:2000])
    assert predicted.shape == (2000,) and probability.shape == (2000,)
    assert (predicted == mnist.test_labels[:2000]).mean() > 0.95
    assert np.all((probability > 0.1) & (probability <= 1.0))
    one, _ = digits.classify(mnist.test_images[0])  # a single crop works too
    assert one.tolist() == [7]
    empty, _ = digits.classify(np.zeros((0, 28, 28), np.uint8))
    assert empty.shape == (0,)


def test_int8_export_keeps_accuracy_and_reports_against_fp32(trained_checkpoint, mnist_data_dir, tmp_path):
    out = tmp_path / "digits-int8.onnx"
    result = run_cli(
        "export",
        "onnx",
        str(trained_checkpoint),
        "--out",
        str(out),
        "--int8",
        "--data-dir",
        str(mnist_data_dir),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["precision"] == "int8"
    assert report["accuracy_drop_points"] <= 0.3
    assert report["size_bytes"] < report["fp32"]["size_bytes"]
    assert isinstance(report["int8_faster"], bool) and report["latency_ms_batch1"] > 0
    digits = DigitModel(out)
    assert digits.metadata["precision"] == "int8"


def test_foreign_checkpoint_fails_and_leaves_nothing(tmp_path, mnist_data_dir):
    bogus = tmp_path / "digits.pt"
    torch.save({"hello": torch.zeros(3)}, bogus)
    out = tmp_path / "out" / "digits.onnx"
    result = run_cli("export", "onnx", str(bogus), "--out", str(out), "--data-dir", str(mnist_data_dir))
    assert result.returncode == 65
    assert "not an edgecam digit checkpoint" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
    missing = run_cli("export", "onnx", str(tmp_path / "nope.pt"), "--out", str(out))
    assert missing.returncode == 66 and "No checkpoint" in missing.stderr


def test_loader_refuses_wrong_models_clearly(tmp_path):
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "wrong",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 1, 32, 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 1, 32, 32])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    for key, value in {
        "edgecam_format": "edgecam-digits-onnx/1",
        "mean": "0.1",
        "std": "0.3",
        "labels": "0,1,2,3,4,5,6,7,8,9",
        "input_size": "28x28",
    }.items():
        model.metadata_props.add(key=key, value=value)
    wrong = tmp_path / "wrong.onnx"
    onnx.save(model, str(wrong))
    with pytest.raises(DataError, match="takes N x 1 x 28 x 28"):
        DigitModel(wrong)

    del model.metadata_props[:]
    onnx.save(model, str(wrong))
    with pytest.raises(DataError, match="not an edgecam digit model"):
        DigitModel(wrong)

    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\x08\x07garbage" * 50)
    with pytest.raises(DataError, match="not a loadable ONNX model"):
        DigitModel(corrupt)
    with pytest.raises(MissingInput):
        DigitModel(tmp_path / "absent.onnx")


def _edited(source, target, batch=None, **metadata):
    """The exported model with a fixed batch size and/or some of its metadata replaced."""
    model = onnx.load(str(source))
    if batch is not None:
        for value in (*model.graph.input, *model.graph.output):
            value.type.tensor_type.shape.dim[0].dim_value = batch
    for prop in model.metadata_props:
        if prop.key in metadata:
            prop.value = metadata[prop.key]
    onnx.save(model, str(target))
    return target


def test_a_fixed_batch_model_reads_several_digits_and_bad_metadata_is_refused_at_load(fp32_export, mnist, tmp_path):
    exported = fp32_export[0]
    digits = mnist.test_images[:7]
    expected, _ = DigitModel(exported).classify(digits)
    single = DigitModel(_edited(exported, tmp_path / "batch1.onnx", batch=1))
    assert (single.classify(digits)[0] == expected).all()  # seven digits through a batch of one
    triple = DigitModel(_edited(exported, tmp_path / "batch3.onnx", batch=3))
    assert (triple.classify(digits)[0] == expected).all()  # 3 + 3 + 1, the last one padded
    for metadata, says in (
        ({"mean": "abc"}, "not a number"),
        ({"mean": "nan"}, "not a number"),
        ({"std": "0"}, "std above 0"),
        ({"labels": "a,b"}, "ten"),
    ):
        with pytest.raises(DataError, match=says):
            DigitModel(_edited(exported, tmp_path / "bad.onnx", **metadata))


def test_any_metadata_loads_and_reads_or_is_refused_at_load(fp32_export, mnist, tmp_path):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from edgecam.edge.errors import EdgecamError

    numbers = st.one_of(st.floats().map(str), st.text(max_size=12), st.sampled_from(["0.1307", "0", "-1", "1e400"]))
    labels = st.one_of(st.text(max_size=30), st.just("0,1,2,3,4,5,6,7,8,9"), st.just(",".join("abcdefghij")))

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(mean=numbers, std=numbers, labels=labels, batch=st.sampled_from([None, 1, 2]))
    def check(mean, std, labels, batch):
        path = _edited(fp32_export[0], tmp_path / "fuzzed.onnx", batch=batch, mean=mean, std=std, labels=labels)
        try:
            model = DigitModel(path)
        except EdgecamError as refused:
            assert "\n" not in str(refused)
            return
        digits, probabilities = model.classify(mnist.test_images[:5])
        assert len(digits) == 5 and np.isfinite(probabilities).all()

    check()
