"""The device's commands: run, read, recognize, config, bench, models, service."""
