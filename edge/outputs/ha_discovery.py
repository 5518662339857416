"""Home Assistant MQTT discovery: the device announces its own entities, nobody writes YAML.

Retained config messages under ``<discovery_prefix>/<component>/<node>/<object>/config``
describe four entities of one device (named after the host): the last person
seen and the card's text (sensors fed by retained topics the link keeps up to
date), "someone is in view" (a binary sensor), and the frames per second (read
from the retained state). All share the availability topic the link already
keeps, so Home Assistant greys them out when the device goes offline. An empty
retained payload on the same topics removes them (``edgecam mqtt forget``).
"""

from __future__ import annotations

import json
import re

from edgecam import __version__


def node_id(device: str) -> str:
    """The device name as Home Assistant allows it in a discovery topic."""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", device) or "edgecam"


def value_topics(prefix: str, device: str) -> dict[str, str]:
    """The retained topics the link publishes for the sensors, beside events/state/available."""
    base = f"{prefix}/{device}"
    return {"last_person": f"{base}/last_person", "digits": f"{base}/digits", "in_view": f"{base}/in_view"}


def config_messages(discovery_prefix: str, prefix: str, device: str) -> dict[str, dict]:
    """Topic -> config payload for every entity of this device."""
    node = node_id(device)
    base = f"{prefix}/{device}"
    values = value_topics(prefix, device)
    shared = {
        "availability_topic": f"{base}/available",
        "payload_available": "online",
        "payload_not_available": "offline",
        "device": {
            "identifiers": [f"edgecam_{node}"],
            "name": f"edgecam {device}",
            "manufacturer": "edgecam",
            "model": "edgecam camera",
            "sw_version": __version__,
        },
    }
    entities = {
        ("sensor", "last_person"): {
            "name": "Last person seen",
            "state_topic": values["last_person"],
            "icon": "mdi:account-eye",
        },
        ("sensor", "digits"): {"name": "Card text", "state_topic": values["digits"], "icon": "mdi:numeric"},
        ("binary_sensor", "in_view"): {
            "name": "Someone in view",
            "state_topic": values["in_view"],
            "payload_on": "ON",
            "payload_off": "OFF",
            "device_class": "occupancy",
        },
        ("sensor", "fps"): {
            "name": "Frames per second",
            "state_topic": f"{base}/state",
            "value_template": "{{ value_json.fps }}",
            "unit_of_measurement": "fps",
            "state_class": "measurement",
            "icon": "mdi:speedometer",
        },
    }
    return {
        f"{discovery_prefix}/{component}/{node}/{object_id}/config": {
            **entity,
            **shared,
            "unique_id": f"edgecam_{node}_{object_id}",
            "object_id": f"edgecam_{node}_{object_id}",
        }
        for (component, object_id), entity in entities.items()
    }


def payloads(discovery_prefix: str, prefix: str, device: str) -> dict[str, str]:
    return {topic: json.dumps(config) for topic, config in config_messages(discovery_prefix, prefix, device).items()}


class SensorValues:
    """Turns scene changes into the sensors' retained values: who was seen last, the card's text,
    and whether anyone is in view (faces that appeared and have not left)."""

    def __init__(self):
        self.visits: set[int] = set()

    def update(self, change: dict) -> dict[str, str]:
        kind = change.get("event")
        out = {}
        if kind in ("face_appeared", "face_renamed"):
            out["last_person"] = change.get("name", "")
        if kind == "digits_changed":
            out["digits"] = change.get("text", "")
        before = bool(self.visits)
        track = int(change.get("track", 0))
        if kind == "face_appeared":
            self.visits.add(track)
        elif kind == "face_left":
            self.visits.discard(track)
        if kind in ("face_appeared", "face_left") and bool(self.visits) != before:
            out["in_view"] = "ON" if self.visits else "OFF"
        return out
