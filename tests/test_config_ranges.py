"""What validates runs, what does not is one sentence and exit 78: the values that used to pass and fail later."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgecam.edge import config as configuration
from edgecam.edge.errors import ConfigError, EdgecamError
from tests.conftest import run_cli


@pytest.mark.parametrize(
    "toml",
    [
        "[mqtt]\nstate_every = inf",
        "[mqtt]\nstate_every = 1e300",
        "[mqtt]\nstate_every = 1e-9",
        "[mqtt]\nstate_every = nan",
        f'[mqtt]\nclient_id = "{"c" * 70_000}"',
        f'[mqtt]\nprefix = "{"p" * 70_000}"',
        "[runtime]\nthreads = 2147483648",
        '[output]\nevents = "/"',  # a folder
        '[output]\nrecord = "/etc/hostname/out.mp4"',  # under a file
        '[snapshots]\nfolder = "/etc/hostname"',  # a file
        '[mqtt]\ntls = true\nca_file = "/no/such/ca.pem"',
        '[mqtt]\ntls = true\nca_file = "/etc/hostname"',  # not a certificate
        '[source]\nspec = "a\\u001bb"',  # ESC
        '[source]\nspec = "a\\nb"',
        '[source]\nspec = "a\\u007fb"',  # DEL
        '[faces]\nmodel = "a\\u0000b"',  # NUL
        "[source]\nwidth = 100000",
        "[digits]\nroi = [1, 2, 3, 4000000]",
    ],
)
def test_values_that_used_to_fail_later_are_refused_at_load(tmp_path, toml):
    path = tmp_path / "edgecam.toml"
    path.write_text(toml + "\n")
    with pytest.raises(ConfigError) as refused:
        configuration.load(path)
    sentence = str(refused.value)
    assert sentence.startswith("'") and "\n" not in sentence and len(sentence) < 400, sentence


@pytest.mark.parametrize(
    "toml",
    ["a = " + "[" * 5000 + "]" * 5000, "[x]\n" + "y = " + "9" * 5000, "[[a]]\n" * 3 + "a = {" * 3000],
)
def test_hostile_toml_is_one_sentence(tmp_path, toml):
    path = tmp_path / "edgecam.toml"
    path.write_text(toml + "\n")
    with pytest.raises(ConfigError):
        configuration.load(path)


def test_the_command_line_refuses_what_it_cannot_run(tmp_path):
    for args in (
        ["run", "--source", "²", "--headless", "--max-frames", "1"],
        ["run", "--source", "x" * 5000, "--headless"],
        ["run", "--config", "x" * 5000, "--headless"],
        ["run", "--source", "0", "--threads", "99999999999", "--headless"],
        ["run", "--source", "/dev/null", "--calibration", "README.md", "--headless", "--max-frames", "1"],
        ["config", "show", "--config", "y" * 5000],
    ):
        result = run_cli(*args)
        assert result.returncode in (65, 66, 69, 78), (args[:3], result.returncode, result.stderr[-500:])
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


# --- property-based: any TOML a user could write either loads, or is one sentence -----------------------

KEYS = {name: section.annotation.model_fields for name, section in configuration.Config.model_fields.items()}
VALUES = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
    st.lists(st.integers(min_value=-10, max_value=10**6), max_size=9),
)


@st.composite
def configs(draw):
    data: dict = {}
    for section in draw(st.lists(st.sampled_from([*KEYS, "bogus"]), max_size=4, unique=True)):
        keys = [*KEYS.get(section, {}), "bogus_key"]
        data[section] = {key: draw(VALUES) for key in draw(st.lists(st.sampled_from(keys), max_size=4, unique=True))}
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_any_config_loads_or_is_one_sentence_and_show_prints_what_loads_back(data):
    try:
        config = configuration.from_dict(data, "the fuzzed file")
    except ConfigError as refused:
        assert "\n" not in str(refused) and str(refused), refused
        return
    except EdgecamError as other:  # pragma: no cover - a failure's wording, for the report
        raise AssertionError(f"not a config error: {other!r}") from other
    shown = configuration.to_toml(config)
    assert configuration.from_dict(tomllib.loads(shown)) == config  # config show's output loads back, the same
