"""Where pixels come from: camera intrinsics and the region of interest."""
