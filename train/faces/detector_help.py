"""The --yunet option's help, shared by train faces, enroll and eval faces (typer only: --help stays fast)."""

# Why Haar is the default, also with YuNet fetched: on the held-out face scenes a model trained
# with Haar named 96.8 % of known faces (seeds 0 and 1), one trained with YuNet 93.6 and 95.0 %
# (docs/benchmarks.md, Faces): the crop and LBPH settings were tuned with Haar.
DETECTOR_HELP = (
    "Detect with YuNet: a path to its .onnx, or 'fetched' for the copy 'edgecam models fetch yunet' stored. "
    "Default: OpenCV's Haar cascade, which named more known faces on the held-out scenes (96.8 % against "
    "93.6-95.0 %); YuNet draws no phantom faces."
)
