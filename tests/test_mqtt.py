"""MQTT for a fleet, against a real Mosquitto broker on 127.0.0.1: topics, payloads, last will, an outage."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from tests.conftest import reading_the_clip, run_cli

pytest.importorskip("torch")
mqtt = pytest.importorskip("paho.mqtt.client")

from tests.processes import free_port, line_count, listening, running, wait_for  # noqa: E402 - only once importorskip found the extra

MOSQUITTO = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
pytestmark = pytest.mark.skipif(MOSQUITTO is None, reason="needs Debian's mosquitto (installed by .ci/run)")


class Broker:
    """Mosquitto on 127.0.0.1 with its sessions kept on disk, so it can be stopped and started again."""

    def __init__(self, folder: Path, extra: str = "allow_anonymous true\n"):
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.config = folder / "mosquitto.conf"
        # As root, mosquitto would switch to its own user, which cannot read pytest's private folders.
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n{extra}user root\npersistence true\npersistence_location {folder}/\n"
        )
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        assert wait_for(lambda: listening(self.port), 10), "mosquitto did not start"

    def stop(self):
        self.process.send_signal(signal.SIGTERM)  # mosquitto saves its sessions on the way out
        self.process.wait(10)


class Inbox:
    """A subscriber to <prefix>/#; with a ``client_id`` its session (and QoS 1 queue) outlives a broker restart."""

    def __init__(self, port: int, topic: str, client_id: str = "", tls_ca: str = "", login=None):
        self.messages: list[tuple[str, str, bool]] = []
        self.lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=not client_id)
        if tls_ca:
            self.client.tls_set(ca_certs=tls_ca)
        if login:
            self.client.username_pw_set(*login)
        self.subscribed = threading.Event()
        self.client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(0.2, 1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.subscribed.wait(10), "the broker never acknowledged the subscription"

    def _on_message(self, client, userdata, message):
        with self.lock:
            self.messages.append((message.topic, message.payload.decode(), bool(message.retain)))

    def on(self, topic: str) -> list:
        with self.lock:
            return [(payload, retained) for t, payload, retained in self.messages if t == topic]

    def events(self, topic: str) -> list[dict]:
        return [json.loads(payload) for payload, _ in self.on(topic)]

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def broker(tmp_path):
    broker = Broker(tmp_path / "broker")
    broker.start()
    yield broker
    if broker.process.poll() is None:
        broker.process.kill()


def _config(tmp_path: Path, device: str, **mqtt_keys) -> Path:
    lines = ["[mqtt]", f'device = "{device}"', f'client_id = "edgecam-{device}"']
    lines += [f"{key} = {value}" for key, value in mqtt_keys.items()]
    path = tmp_path / "edgecam.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _distinct_in_order(values):
    out = []
    for value in values:
        if not out or out[-1] != value:
            out.append(value)
    return out


def test_changes_state_and_availability_arrive_with_the_right_topics(broker, clip, fp32_export, faces_model, tmp_path):
    inbox = Inbox(broker.port, "fleet/#")
    config = _config(tmp_path, "cam1", state_every=0.5)
    result = run_cli(
        "run",
        "--config",
        str(config),
        *reading_the_clip(clip, fp32_export),
        "--headless",
        "--faces",
        str(faces_model),
        "--mqtt",
        f"mqtt://127.0.0.1:{broker.port}/fleet",
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert wait_for(lambda: [p for p, _ in inbox.on("fleet/cam1/available")][-1:] == ["offline"], 10)
    inbox.close()
    assert {t for t, _, _ in inbox.messages} == {"fleet/cam1/events", "fleet/cam1/state", "fleet/cam1/available"}
    assert [p for p, _ in inbox.on("fleet/cam1/available")] == ["online", "offline"]
    assert all(retained is False for _, retained in inbox.on("fleet/cam1/events"))  # live, not retained

    events = inbox.events("fleet/cam1/events")
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))  # nothing lost, nothing twice
    assert all(e["device"] == "cam1" for e in events)
    # The cards: each new card is one digits_changed, with the text written on it.
    readings = [e["text"] for e in events if e["event"] == "digits_changed"]
    cards = _distinct_in_order(clip.texts)
    assert len(readings) <= len(cards) + 1  # debounced: not one message per frame
    assert sum(text in cards for text in readings) >= len(cards) - 1
    # The walkers s31, s32, s33 each arrive once, by name, and all but the last leave.
    arrivals = [e["name"] for e in events if e["event"] == "face_appeared"]
    assert arrivals == ["s31", "s32", "s33"]
    departures = [e for e in events if e["event"] == "face_left"]
    assert [e["name"] for e in departures] == ["s31", "s32"] and all(e["seconds"] > 0 for e in departures)

    state = json.loads(inbox.on("fleet/cam1/state")[-1][0])
    assert state["health"] == "stopped" and state["frames"] == clip.frames and state["fps"] > 0
    assert state["mqtt_dropped"] == 0
    # A new subscriber gets the retained state and availability at once.
    late = Inbox(broker.port, "fleet/#")
    assert wait_for(lambda: late.on("fleet/cam1/available") and late.on("fleet/cam1/state"), 5)
    assert late.on("fleet/cam1/available")[0] == ("offline", True)
    late.close()


def test_a_link_closed_before_its_connection_came_up_still_has_its_say(broker):
    # A short file on a fast machine ends before the broker answers (120 frames in 0.04 s was
    # seen); closing waits a moment for that first connection instead of leaving without a word.
    from edgecam.edge.config import MqttConfig
    from edgecam.edge.outputs.mqtt_link import MqttLink
    from edgecam.edge.outputs.telemetry import Telemetry

    inbox = Inbox(broker.port, "fleet/#")
    said = []
    link = MqttLink(
        MqttConfig(broker="127.0.0.1", port=broker.port, prefix="fleet", device="cam5"), Telemetry(), said.append
    )
    link.change({"event": "digits_changed", "text": "42"})
    link.close()  # at once: the connection is still under way
    assert wait_for(lambda: [p for p, _ in inbox.on("fleet/cam5/available")] == ["online", "offline"], 10)
    assert [e["text"] for e in inbox.events("fleet/cam5/events")] == ["42"]
    assert json.loads(inbox.on("fleet/cam5/state")[-1][0])["health"] == "stopped"
    assert said == []  # nothing was lost, so nothing to report
    inbox.close()


def test_a_message_paho_cannot_take_is_dropped_and_the_link_goes_on(broker):
    import numpy as np

    from edgecam.edge.config import MqttConfig
    from edgecam.edge.outputs.mqtt_link import MqttLink
    from edgecam.edge.outputs.telemetry import Telemetry

    inbox = Inbox(broker.port, "fleet/#")
    said: list[str] = []
    link = MqttLink(
        MqttConfig(broker="127.0.0.1", port=broker.port, prefix="fleet", device="cam6"), Telemetry(), said.append
    )
    assert wait_for(lambda: link.connected, 10)
    link.change({"event": "digits_changed", "text": np.int64(7)})  # not JSON: the thread used to die here
    link.change({"event": "digits_changed", "text": "42"})
    assert wait_for(lambda: [e["text"] for e in inbox.events("fleet/cam6/events")] == ["42"], 10)
    link.close()
    assert link.dropped == 1 and any("could not be sent" in line for line in said), said
    inbox.close()


def test_the_last_will_says_offline_when_the_process_is_killed(broker, clip, tmp_path):
    inbox = Inbox(broker.port, "fleet/#")
    with running(
        "run",
        "--config",
        str(_config(tmp_path, "cam2")),
        "--source",
        str(clip.path),
        "--loop",
        "--headless",
        "--mqtt",
        f"mqtt://127.0.0.1:{broker.port}/fleet",
    ) as process:
        assert wait_for(lambda: [p for p, _ in inbox.on("fleet/cam2/available")] == ["online"], 60)
        process.kill()  # no goodbye: only the broker's last will can tell
        process.wait(10)
        assert wait_for(lambda: [p for p, _ in inbox.on("fleet/cam2/available")] == ["online", "offline"], 30)
    inbox.close()


def test_a_broker_outage_blocks_nothing_and_loses_only_what_overflows_the_queue(broker, clip, fp32_export, tmp_path):
    inbox = Inbox(broker.port, "fleet/cam3/#", client_id="fleet-watcher")  # a session that survives
    events_file = tmp_path / "events.jsonl"
    queue = 8
    with running(
        "run",
        "--config",
        str(_config(tmp_path, "cam3", queue=queue)),
        *reading_the_clip(clip, fp32_export),
        "--loop",
        "--headless",
        "--events",
        str(events_file),
        "--mqtt",
        f"mqtt://127.0.0.1:{broker.port}/fleet",
    ) as process:
        assert wait_for(lambda: len(inbox.events("fleet/cam3/events")) >= 5, 60), "no events before the outage"
        broker.stop()
        frames_then = line_count(events_file)
        # Cards change about every 24 frames; hold the broker down until far more than the queue happened.
        assert wait_for(lambda: line_count(events_file) > frames_then + 24 * (queue + 12), 120), (
            "the loop stalled while the broker was down"
        )
        broker.start()

        def last_seq():
            return max([e["seq"] for e in inbox.events("fleet/cam3/events")], default=0)

        seen = last_seq()
        assert wait_for(lambda: last_seq() > seen + 5, 60), "no events after the broker came back"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    # The device's last word is "offline" after its queued events: once it is here, so are they.
    assert wait_for(lambda: [p for p, _ in inbox.on("fleet/cam3/available")][-1:] == ["offline"], 30)
    inbox.close()
    received = {e["seq"] for e in inbox.events("fleet/cam3/events")}
    missing = set(range(1, max(received) + 1)) - received
    dropped = re.search(r"MQTT: (\d+) events were dropped", stderr)
    reported = int(dropped.group(1)) if dropped else 0
    assert reported > 0, "the outage was long enough to overflow the queue"
    assert len(missing) == reported  # every loss is one the device counted and reported...
    assert missing == set(range(min(missing), max(missing) + 1))  # one gap: the oldest of the outage
    assert max(received) - max(missing) >= queue  # the newest `queue` events of the outage all arrived


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it (openssl CLI)."""
    folder.mkdir()
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))

    def run(*args):
        return subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=edgecam test CA",
        "-keyout",
        str(ca_key),
        "-out",
        str(ca),
    )
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(csr))
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    run(
        "x509",
        "-req",
        "-in",
        str(csr),
        "-CA",
        str(ca),
        "-CAkey",
        str(ca_key),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        str(folder / "san.ext"),
        "-out",
        str(cert),
    )
    return ca, cert, key


@pytest.mark.skipif(
    shutil.which("openssl") is None or shutil.which("mosquitto_passwd") is None,
    reason="needs openssl and mosquitto_passwd",
)
def test_tls_and_a_password_from_the_environment(clip, tmp_path):
    ca, cert, key = _certificates(tmp_path / "tls")
    passwords = tmp_path / "passwords"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwords), "cam4", "right horse battery"], check=True)
    passwords.chmod(0o600)
    broker = Broker(
        tmp_path / "broker",
        f"cafile {ca}\ncertfile {cert}\nkeyfile {key}\nallow_anonymous false\npassword_file {passwords}\n",
    )
    broker.start()
    try:
        inbox = Inbox(broker.port, "fleet/#", tls_ca=str(ca), login=("cam4", "right horse battery"))
        config = _config(tmp_path, "cam4", ca_file=f'"{ca}"')
        url = f"mqtts://cam4@127.0.0.1:{broker.port}/fleet"
        command = [
            "python",
            "-m",
            "edgecam",
            "run",
            "--config",
            str(config),
            "--source",
            str(clip.path),
            "--headless",
            "--mqtt",
            url,
        ]
        root = Path(__file__).resolve().parent.parent
        env = {**os.environ, "EDGECAM_MQTT_PASSWORD": "right horse battery"}
        good = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=root, env=env, check=False)
        assert good.returncode == 0, good.stderr
        assert wait_for(lambda: [p for p, _ in inbox.on("fleet/cam4/available")] == ["online", "offline"], 10)
        assert json.loads(inbox.on("fleet/cam4/state")[-1][0])["frames"] == clip.frames

        env["EDGECAM_MQTT_PASSWORD"] = "wrong"
        bad = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=root, env=env, check=False)
        assert bad.returncode == 0, bad.stderr  # the loop ran its frames all the same
        assert f"{clip.frames} frames" in bad.stderr and "refused us" in bad.stderr
        assert "Traceback" not in bad.stderr and "wrong" not in bad.stderr
        assert bad.stderr.count("refused us") == 1  # once, not once per retry
        inbox.close()
    finally:
        broker.process.kill()
