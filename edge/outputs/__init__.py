"""Where the loop's results go: window, recording, events, web stream, MQTT, metrics."""
