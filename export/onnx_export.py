"""Checkpoint -> one self-contained ONNX file that says how to feed it.

We use torch.onnx.export with the dynamo exporter (torch's default since 2.9):
it folds batch norm into the convolutions and drops dropout, so the graph the
device runs is just Conv/Relu/MaxPool/Gemm; onnxscript is what it builds with.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import onnx
import torch

from edgecam.edge.digits.model import FORMAT
from edgecam.edge.errors import VerificationFailed
from edgecam.train.digits import nets as digit_nets
from edgecam.train.digits.training import load_checkpoint

INPUT_NAME, OUTPUT_NAME = "image", "scores"
DEFAULT_OPSET = 18


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def model_from_checkpoint(path: Path) -> tuple[torch.nn.Module, dict]:
    state = load_checkpoint(path)
    model = digit_nets.build(state["arch"])
    model.load_state_dict(state["model_state"])
    return model.eval(), state


def metadata_for(state: dict, checkpoint: Path, opset: int) -> dict[str, str]:
    norm = state["normalization"]
    return {
        "edgecam_format": FORMAT,
        "mean": ",".join(str(v) for v in norm["mean"]),
        "std": ",".join(str(v) for v in norm["std"]),
        "input_size": "28x28",
        "input_layout": "N x 1 x 28 x 28 float32, (pixel/255 - mean) / std, white ink on black",
        "labels": ",".join(str(d) for d in range(10)),
        "arch": state["arch"],
        "checkpoint_test_accuracy": str(state.get("test_accuracy")),
        "checkpoint_epoch": str(state["epoch"]),
        "checkpoint_sha256": sha256_of(checkpoint),
        "exporter": f"torch.onnx.export(dynamo=True) torch {torch.__version__}",
        "opset": str(opset),
        "precision": "fp32",
    }


def export_fp32(model: torch.nn.Module, destination: Path, opset: int) -> None:
    """Write the model with a dynamic batch dimension and all weights inside the file."""
    example = torch.zeros(2, 1, 28, 28)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's chatter is not the user's business
        program = torch.onnx.export(
            model,
            (example,),
            dynamo=True,
            opset_version=opset,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_shapes={"x": {0: torch.export.Dim("batch")}},
            external_data=False,
            verbose=False,
        )
    if program is None:
        raise VerificationFailed("torch.onnx.export returned no program.")
    program.save(str(destination), external_data=False)


def set_metadata(path: Path, metadata: dict[str, str]) -> None:
    model = onnx.load(str(path))
    existing = {prop.key: prop for prop in model.metadata_props}
    for key, value in metadata.items():
        if key in existing:
            existing[key].value = value
        else:
            model.metadata_props.add(key=key, value=value)
    model.doc_string = "edgecam handwritten-digit classifier: 10 scores for N x 1 x 28 x 28 digits."
    onnx.save(model, str(path))


def check(path: Path) -> None:
    try:
        onnx.checker.check_model(str(path), full_check=True)
    except onnx.checker.ValidationError as error:
        raise VerificationFailed(f"onnx.checker rejected the export: {str(error).splitlines()[0]}") from error
