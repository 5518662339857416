"""Where frames come from: cameras, files, folders, URLs, the Pi camera; undistortion."""
