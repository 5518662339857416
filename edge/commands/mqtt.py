"""``edgecam mqtt forget``: take this device's Home Assistant entities off the broker."""

from __future__ import annotations

import socket
from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="The device's MQTT presence (Home Assistant discovery).", no_args_is_help=True)


@app.command()
def forget(
    config_file: Path | None = typer.Option(None, "--config", help="TOML config file; flags given here override it."),
    mqtt: str | None = typer.Option(
        None,
        "--mqtt",
        metavar="URL",
        help="The broker: mqtt://host:1883/prefix (mqtts:// for TLS). Password from $EDGECAM_MQTT_PASSWORD.",
    ),
) -> None:
    """Remove the entities '[mqtt] discovery = true' announced (empty retained config messages), and the
    retained values they showed; Home Assistant then drops the device.

    Example: `edgecam mqtt forget --config /etc/edgecam/edgecam.toml`
    """
    from edgecam.edge.errors import ConfigError, Unavailable
    from edgecam.edge.extras import require
    from edgecam.edge.outputs import ha_discovery
    from edgecam.edge.outputs.mqtt_link import secure
    from edgecam.edge.settings import Flags, from_environment

    config, secrets = from_environment(config_file, Flags(mqtt=mqtt))
    settings = config.mqtt
    if not settings.broker:
        raise ConfigError("No broker to forget the device on: give --mqtt mqtt://host:1883/prefix or [mqtt] broker.")
    client_module = require("paho.mqtt.client", "mqtt", "Talking to MQTT")
    device = settings.device or socket.gethostname()
    topics = list(ha_discovery.payloads(settings.discovery_prefix, settings.prefix, device))
    topics += list(ha_discovery.value_topics(settings.prefix, device).values())
    client = client_module.Client(
        client_module.CallbackAPIVersion.VERSION2, client_id=f"{settings.client_id or socket.gethostname()}-forget"
    )
    secure(client, settings, secrets.mqtt_password)
    try:
        client.connect(settings.broker, settings.port, keepalive=15)
    except OSError as error:
        raise Unavailable(
            f"Cannot reach the broker {settings.broker}:{settings.port}: {error.strerror or error}."
        ) from None
    client.loop_start()
    try:
        sent = [client.publish(topic, b"", qos=1, retain=True) for topic in topics]
        for info in sent:
            info.wait_for_publish(10)
    finally:
        client.disconnect()
        client.loop_stop()
    Console(stderr=True).print(
        f"Forgot {device}: {len(topics)} retained topics cleared on "
        f"{settings.broker}:{settings.port} under {settings.discovery_prefix}/ and "
        f"{settings.prefix}/{device}/."
    )
