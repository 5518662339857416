"""``python -m edgecam``: the same as the ``edgecam`` command (the systemd unit uses it)."""

from edgecam.cli import main

if __name__ == "__main__":  # not when a worker process imports it
    main()
