"""Home Assistant MQTT discovery against a real Mosquitto: announced, retained, well-formed, forgotten."""

from __future__ import annotations

import json

import pytest

from tests.conftest import reading_the_clip, run_cli
from tests.processes import wait_for
from tests.test_mqtt import MOSQUITTO, Inbox, _config, broker  # noqa: F401 - broker is a fixture pytest finds by name

pytestmark = pytest.mark.skipif(MOSQUITTO is None, reason="needs Debian's mosquitto (installed by .ci/run)")


def test_the_device_announces_its_entities_and_forgets_them(broker, clip, fp32_export, faces_model, tmp_path):  # noqa: F811 - the fixture imported above
    config = _config(tmp_path, "door", discovery="true")
    url = f"mqtt://127.0.0.1:{broker.port}/fleet"
    result = run_cli(
        "run",
        "--config",
        str(config),
        *reading_the_clip(clip, fp32_export),
        "--headless",
        "--faces",
        str(faces_model),
        "--mqtt",
        url,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr

    # A subscriber arriving later (Home Assistant after a restart) gets every config at once: retained.
    inbox = Inbox(broker.port, "homeassistant/#")
    assert wait_for(lambda: len(inbox.messages) >= 4, 5), inbox.messages
    announced = {topic: (json.loads(payload), retained) for topic, payload, retained in inbox.messages}
    assert set(announced) == {
        "homeassistant/sensor/door/last_person/config",
        "homeassistant/sensor/door/digits/config",
        "homeassistant/binary_sensor/door/in_view/config",
        "homeassistant/sensor/door/fps/config",
    }
    assert all(retained for _, retained in announced.values())
    ids = [entity["unique_id"] for entity, _ in announced.values()]
    assert len(set(ids)) == len(ids) == 4
    for entity, _ in announced.values():
        assert entity["availability_topic"] == "fleet/door/available" and entity["state_topic"].startswith(
            "fleet/door/"
        )
        assert entity["device"]["identifiers"] == ["edgecam_door"] and "door" in entity["device"]["name"]
    inbox.close()

    # The values those entities read are retained too, and say what the clip showed.
    values = Inbox(broker.port, "fleet/door/#")
    assert wait_for(lambda: values.on("fleet/door/last_person") and values.on("fleet/door/digits"), 5)
    assert values.on("fleet/door/last_person")[-1] == ("s33", True)  # the clip's last walker
    assert values.on("fleet/door/digits")[-1][0] in set(clip.texts)
    assert values.on("fleet/door/in_view")[-1][0] in ("ON", "OFF")
    assert json.loads(values.on("fleet/door/state")[-1][0])["fps"] > 0
    values.close()

    forgotten = run_cli("mqtt", "forget", "--config", str(config), "--mqtt", url)
    assert forgotten.returncode == 0, forgotten.stderr
    after = Inbox(broker.port, "homeassistant/#")
    late_values = Inbox(broker.port, "fleet/door/#")
    assert not wait_for(lambda: after.messages, 2), after.messages  # nothing retained any more
    assert {t for t, _, _ in late_values.messages} == {"fleet/door/state", "fleet/door/available"}
    after.close()
    late_values.close()


def test_forget_without_a_broker_is_one_sentence(tmp_path):
    result = run_cli("mqtt", "forget")
    assert result.returncode == 78 and "No broker" in result.stderr and "Traceback" not in result.stderr
    dead = run_cli("mqtt", "forget", "--mqtt", "mqtt://127.0.0.1:1/fleet")
    assert dead.returncode == 69 and "Cannot reach the broker" in dead.stderr and "Traceback" not in dead.stderr
