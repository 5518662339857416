"""``python -m edgecam``: the same as the ``edgecam`` command (the systemd unit uses it)."""

from edgecam.cli import main

main()
