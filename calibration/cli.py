"""``edgecam calibrate``: camera intrinsics, undistorted images, and the digits' ROI (one command per file)."""

from __future__ import annotations

import typer

from edgecam.calibration.camera_command import camera
from edgecam.calibration.roi_command import roi
from edgecam.calibration.undistort_command import undistort

app = typer.Typer(help="Where pixels come from: lens calibration, undistortion, the ROI.", no_args_is_help=True)
app.command()(camera)
app.command()(undistort)
app.command()(roi)
