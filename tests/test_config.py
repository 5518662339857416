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
