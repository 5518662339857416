"""One validated TOML config: unknown keys and bad values are named, flags override the file."""

from __future__ import annotations

from tests.conftest import run_cli


def test_unknown_key_is_named_and_exits_78(tmp_path):
    config = tmp_path / "edgecam.toml"
    config.write_text('[faces]\nmodel = "models"\ndetect_evry = 3\n')
    result = run_cli("config", "show", "--config", str(config))
    assert result.returncode == 78
    assert "faces.detect_evry" in result.stderr and "Traceback" not in result.stderr


def test_bad_values_are_named(tmp_path):
    cases = {
        '[runtime]\nthreads = "two"\n': "runtime.threads",
        "[digits]\nroi = [1, 2, 3]\n": "digits.roi",
        "[faces]\ndetect_every = 0\n": "faces.detect_every",
        "[camera]\nindex = 0\n": "[camera]",
        "[output\n": "not valid TOML",
        '[stream]\nlisten = "camera.local:80"\n': "stream.listen",
        "[stream]\nquality = 0\n": "stream.quality",
        '[mqtt]\nprefix = "fleet/#"\n': "mqtt.prefix",
        '[mqtt]\ndevice = "a/b"\n': "mqtt.device",
        "[mqtt]\nqueue = 0\n": "mqtt.queue",
    }
    for text, named in cases.items():
        config = tmp_path / "edgecam.toml"
        config.write_text(text)
        result = run_cli("config", "show", "--config", str(config))
        assert result.returncode == 78, text
        assert named in result.stderr, (text, result.stderr)


def test_flags_override_the_file_and_show_prints_toml(tmp_path):
    import tomllib

    config = tmp_path / "edgecam.toml"
    config.write_text('[source]\nspec = "/dev/video2"\n[digits]\nroi = [0, 0, 100, 50]\n[runtime]\nthreads = 2\n')
    result = run_cli("config", "show", "--config", str(config), "--roi", "10,20,300,140")
    assert result.returncode == 0, result.stderr
    shown = tomllib.loads(result.stdout)
    assert shown["source"]["spec"] == "/dev/video2" and shown["runtime"]["threads"] == 2
    assert shown["digits"]["roi"] == [10, 20, 300, 140]
    assert shown["faces"]["detect_every"] == 4  # defaults are shown too
    bad_flag = run_cli("config", "show", "--roi", "10,20,-5,4")
    assert bad_flag.returncode == 78 and "--roi" in bad_flag.stderr


def test_stream_and_mqtt_flags_are_checked_before_anything_runs():
    cases = {
        ("--stream", "abc"): "stream.listen",
        ("--stream", "70000"): "stream.listen",
        ("--mqtt", "http://broker"): "mqtt://host:1883/prefix",
        ("--mqtt", "mqtt://me:secret@broker"): "EDGECAM_MQTT_PASSWORD",
    }
    for flag, named in cases.items():
        result = run_cli("run", "--source", "nothing-here.mp4", "--headless", *flag)
        assert result.returncode == 78, (flag, result.stderr)
        assert named in result.stderr and "Traceback" not in result.stderr, (flag, result.stderr)
        assert "secret" not in result.stderr


def test_an_mqtt_url_fills_the_mqtt_section(tmp_path):
    import tomllib

    config = tmp_path / "edgecam.toml"
    config.write_text('[mqtt]\ndevice = "door"\nstate_every = 30\n[stream]\nlisten = "0.0.0.0:8080"\n')
    from edgecam.edge.settings import Flags, settle

    mqtt = settle(config, Flags(mqtt="mqtts://watcher@broker.lan/site/a"))[0].mqtt
    assert (mqtt.broker, mqtt.port, mqtt.tls, mqtt.prefix, mqtt.username, mqtt.device, mqtt.state_every) == (
        "broker.lan",
        8883,
        True,
        "site/a",
        "watcher",
        "door",
        30.0,
    )
    assert settle(config, Flags(mqtt="mqtt://10.0.0.2"))[0].mqtt.port == 1883
    shown = tomllib.loads(run_cli("config", "show", "--config", str(config)).stdout)
    assert shown["stream"]["listen"] == "0.0.0.0:8080" and shown["mqtt"]["queue"] == 1000


def test_show_prints_every_key_with_its_default_and_help(tmp_path):
    import tomllib

    from edgecam.edge.config import Config

    config = tmp_path / "edgecam.toml"
    config.write_text("[faces]\ndetect_every = 2\n")
    result = run_cli("config", "show", "--config", str(config))
    assert result.returncode == 0, result.stderr
    shown = tomllib.loads(result.stdout)
    for section, model in Config.model_fields.items():
        assert set(shown[section]) == set(model.annotation.model_fields), section
    line = next(line for line in result.stdout.splitlines() if line.startswith("detect_every"))
    assert line.startswith("detect_every = 2  # default 4; run the (fast) detector every N frames"), line
    every_key = [line for line in result.stdout.splitlines() if " = " in line]
    assert all("# default " in line for line in every_key)


def test_flags_and_the_environment_meet_in_one_place_and_secrets_stay_out_of_the_config(tmp_path):
    from edgecam.edge.settings import Flags, settle

    config = tmp_path / "edgecam.toml"
    config.write_text('[stream]\ntoken = "from-the-file"\n[mqtt]\nbroker = "broker.lan"\nusername = "file-user"\n')
    environ = {"EDGECAM_STREAM_TOKEN": "from-env", "EDGECAM_MQTT_USERNAME": "env-user", "EDGECAM_MQTT_PASSWORD": "pw"}
    flags = Flags(source="clip.mp4", roi="1,2,30,40", threads=2, stream_token="from-the-flag")
    settled, secrets = settle(config, flags, environ)
    assert (settled.source.spec, settled.digits.roi, settled.runtime.threads) == ("clip.mp4", [1, 2, 30, 40], 2)
    # The environment wins for the token and the username (as documented), and the password never
    # enters the config that 'config show' prints.
    assert (settled.stream.token, settled.mqtt.username, secrets.mqtt_password) == ("from-env", "env-user", "pw")
    assert "pw" not in settled.model_dump_json() and "pw" not in repr(secrets)
    # Without an environment (config show), the flag lays over the file and nothing is secret.
    shown, none = settle(config, flags)
    assert (shown.stream.token, shown.mqtt.username, none.mqtt_password) == ("from-the-flag", "file-user", None)
