"""Tell a fleet's MQTT broker what this device sees: changes, a retained state, and online/offline.

Topics: ``<prefix>/<device>/events`` (one JSON message per change: a face
appeared, changed name or left, the digits changed, the camera was lost or came
back), ``<prefix>/<device>/state`` (retained: speed, health, who is in view,
every ``state_every`` seconds) and ``<prefix>/<device>/available`` (retained
``online``; the broker publishes ``offline`` as our last will if we vanish).

The loop only appends to a bounded queue; a thread of ours hands messages to
paho-mqtt while the broker is connected. During an outage up to ``queue``
events wait; beyond that the oldest are dropped and counted, and every event
carries a ``seq`` so a subscriber can see a gap. QoS 1 throughout: what paho
sent but the broker did not acknowledge is sent again after a reconnect.
"""

from __future__ import annotations

import json
import socket
import threading
import time

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from edgecam.edge.config import MqttConfig
from edgecam.edge.extras import require
from edgecam.edge.outputs import ha_discovery
from edgecam.edge.outputs.drop_oldest import DropOldestQueue
from edgecam.edge.outputs.telemetry import Telemetry

HANDED_LIMIT = 100  # messages paho may hold unacknowledged; more wait in our own queue
KEEPALIVE = 15  # seconds: a silently dead broker is noticed within about 1.5x this
CONNECT_GRACE = 3.0  # seconds a closing link waits for its first connection, if no outage was seen yet


class MqttLink:
    name = "mqtt"

    def __init__(self, settings: MqttConfig, telemetry: Telemetry, log=print, password: str | None = None):
        mqtt = require("paho.mqtt.client", "mqtt", "Publishing to MQTT")
        self._mqtt, self.settings, self.telemetry, self.log = mqtt, settings, telemetry, log
        hostname = socket.gethostname()
        self.device = settings.device or hostname
        base = f"{settings.prefix}/{self.device}"
        self.topics = {kind: f"{base}/{kind}" for kind in ("events", "state", "available")}
        self.sent = self.seq = self.refused = 0  # refused: messages paho or JSON would not take
        self.connected = False
        self._queue: DropOldestQueue[dict] = DropOldestQueue(settings.queue)
        # Guards the link's state below and wakes whoever waits on it: the pump (for events,
        # values, a connection or the stop) and close() (for a first connection).
        self._condition = threading.Condition()
        self._stopping = False
        self._told_outage = False
        self._last_info = None
        # Home Assistant discovery: the entities' configs, and the retained values they read.
        self.discovery = (
            ha_discovery.payloads(settings.discovery_prefix, settings.prefix, self.device) if settings.discovery else {}
        )
        self._sensors = ha_discovery.SensorValues()
        self._value_topics = ha_discovery.value_topics(settings.prefix, self.device)
        self._values: dict[str, str] = {}  # topic -> newest value not yet handed to paho

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=settings.client_id or hostname)
        client.will_set(self.topics["available"], "offline", qos=1, retain=True)
        secure(client, settings, password)
        client.max_queued_messages_set(HANDED_LIMIT)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        self.client = client
        telemetry.registry.register(self)
        # connect_async + loop_start: an absent broker is retried in the background, never waited for.
        client.connect_async(settings.broker, settings.port, keepalive=KEEPALIVE)
        client.loop_start()
        self._thread = threading.Thread(target=self._pump, name="edgecam-mqtt", daemon=True)
        self._thread.start()

    @property
    def dropped(self) -> int:
        """Events lost: pushed out of the queue by newer ones while the broker was away, or refused."""
        return self._queue.dropped + self.refused

    # --- called by the loop: never blocks --------------------------------------------------
    def write(self, frame, event: dict) -> None:
        pass  # frames are not sent; the state is taken from the telemetry

    def note(self, event: dict) -> None:
        """Camera lost / restored, from the loop."""
        self.change(event)

    def change(self, happening: dict) -> None:
        with self._condition:
            self.seq += 1
            self._queue.put({"device": self.device, "seq": self.seq, **happening})
            if self.discovery:
                for key, value in self._sensors.update(happening).items():
                    self._values[self._value_topics[key]] = value  # only the newest matters
            self._condition.notify()

    def close(self) -> None:
        """Send what is queued (for a few seconds at most), say offline, disconnect."""
        with self._condition:
            # A run shorter than the connection (a short file, a fast machine) still has its say:
            # wait for a first connection still under way, not for a broker already found away.
            self._condition.wait_for(lambda: self.connected or self._told_outage, timeout=CONNECT_GRACE)
            self._stopping = True
            self._condition.notify()
        self._thread.join(timeout=5)
        if self.connected:
            self._publish_state(health="stopped")  # the last word: how it was going when it stopped
            _wait(self._last_info, 3)  # QoS 1 is acknowledged in order: the last one means all of them
            _wait(self.client.publish(self.topics["available"], "offline", qos=1, retain=True), 2)
        self.client.disconnect()
        self.client.loop_stop()
        if self._queue.dropped:
            self.log(
                f"MQTT: {self._queue.dropped} events were dropped while the broker was away "
                f"(queue of {self.settings.queue})."
            )
        if self._queue:
            self.log(f"MQTT: {len(self._queue)} queued events were never delivered: the broker was away at the end.")

    # --- paho's network thread ---------------------------------------------------------------
    def _on_connect(self, client, userdata, flags, reason, properties):
        if reason.is_failure:
            self._tell_outage(f"{self.settings.broker}:{self.settings.port} refused us ({reason})")
            return
        client.publish(self.topics["available"], "online", qos=1, retain=True)
        for topic, payload in self.discovery.items():
            client.publish(topic, payload, qos=1, retain=True)
        if self.discovery:
            with self._condition:
                self._values.setdefault(self._value_topics["in_view"], "ON" if self._sensors.visits else "OFF")
        with self._condition:
            self.connected, self._told_outage = True, False
            self._condition.notify_all()  # the pump, and a close() waiting for this connection
        self._publish_state()

    def _on_connect_fail(self, client, userdata):
        self._tell_outage(f"cannot reach {self.settings.broker}:{self.settings.port}")

    def _on_disconnect(self, client, userdata, flags, reason, properties):
        with self._condition:
            self.connected = False
        self._tell_outage(f"lost {self.settings.broker}:{self.settings.port} ({reason})")

    def _tell_outage(self, what: str) -> None:
        """Once per outage, not once per retry: a broker down for a night must not fill the journal."""
        with self._condition:
            tell = not self._told_outage and not self._stopping
            self._told_outage = True
            self._condition.notify_all()
        if tell:
            self.log(f"MQTT: {what}; retrying in the background, holding up to {self.settings.queue} events.")

    def _on_publish(self, client, userdata, mid, reason, properties):
        with self._condition:
            self.sent += 1

    # --- our thread: queue -> paho, and the state every few seconds ---------------------------
    def _pump(self) -> None:
        next_state = time.monotonic() + self.settings.state_every
        while True:
            with self._condition:
                self._condition.wait_for(
                    lambda: self._stopping or (self.connected and (self._queue or self._values)),
                    timeout=max(0.0, next_state - time.monotonic()),
                )
                values, self._values = (self._values, {}) if self.connected else ({}, self._values)
                if self._stopping and (not self.connected or not self._queue) and not values:
                    return
                message = self._queue.take() if self.connected else None
            try:
                if message is not None:
                    self._hand_over(message)
                for topic, value in values.items():
                    self._last_info = self.client.publish(topic, value, qos=1, retain=True)
                if time.monotonic() >= next_state:
                    next_state = time.monotonic() + self.settings.state_every
                    if self.connected:
                        self._publish_state()
            except (ValueError, TypeError, OSError, RuntimeError) as error:
                # paho refusing one message must not end the thread: /metrics would go on saying
                # connected while nothing more was ever sent. The message is dropped and counted.
                self.refused += 1
                self.log(f"MQTT: a message could not be sent ({error}); it was dropped.")

    def _hand_over(self, event: dict) -> None:
        info = self.client.publish(self.topics["events"], json.dumps(event), qos=1)
        self._last_info = info
        if info.rc == self._mqtt.MQTT_ERR_QUEUE_SIZE:  # paho's window is full: wait our turn
            with self._condition:
                self._queue.give_back(event)
                self._condition.wait(0.05)

    def _publish_state(self, **overrides) -> None:
        queued, dropped = len(self._queue), self.dropped
        state = {
            "device": self.device,
            **self.telemetry.state(),
            "mqtt_queued": queued,
            "mqtt_dropped": dropped,
            **overrides,
        }
        self.client.publish(self.topics["state"], json.dumps(state), qos=1, retain=True)

    # --- /metrics -----------------------------------------------------------------------------
    def collect(self):
        yield GaugeMetricFamily("edgecam_mqtt_connected", "1 while the broker is connected", value=int(self.connected))
        yield GaugeMetricFamily("edgecam_mqtt_queued", "Events waiting for the broker", value=len(self._queue))
        yield CounterMetricFamily(
            "edgecam_mqtt_dropped", "Events dropped: the queue was full, or the message was refused", value=self.dropped
        )
        yield CounterMetricFamily("edgecam_mqtt_acknowledged", "Messages the broker acknowledged", value=self.sent)


def secure(client, settings: MqttConfig, password: str | None = None) -> None:
    """Credentials (the password from the environment: edge.settings) and TLS, as the config asks."""
    if settings.username:
        client.username_pw_set(settings.username, password)
    if settings.tls:
        client.tls_set(ca_certs=settings.ca_file or None)


def _wait(info, seconds: float) -> None:
    try:
        if info is not None:
            info.wait_for_publish(seconds)
    except (RuntimeError, ValueError):
        pass  # not connected after all: the last will says offline for us
