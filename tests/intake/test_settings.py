"""Settings: file plus environment, checked once; a wrong value is one line naming it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from intake.errors import SettingsError
from intake.settings import Settings, load_settings, setting_names

ROOT = Path(__file__).resolve().parents[2]
INTAKE = str(Path(sys.executable).with_name("intake"))


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    config = tmp_path / "intake.toml"
    config.write_text('imap_host = "mail.example"\nimap_port = 993\npoll_seconds = 60\n')
    settings = load_settings(config, {"INTAKE_POLL_SECONDS": "120"})
    assert settings.imap_host == "mail.example"
    assert settings.imap_port == 993
    assert settings.poll_seconds == 120


def test_secrets_are_read_from_files_and_never_shown(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("s3cret-value\n")
    settings = load_settings(None, {"INTAKE_IMAP_PASSWORD_FILE": str(secret), "INTAKE_CONFIG": ""})
    assert settings.imap_password == "s3cret-value"
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"INTAKE_IMAP_PORT": "abc"}, "setting imap_port (INTAKE_IMAP_PORT): "),
        ({"INTAKE_IMAP_PORT": "70000"}, "setting imap_port (INTAKE_IMAP_PORT): "),
        ({"INTAKE_IMAP_SECURITY": "tls"}, "setting imap_security (INTAKE_IMAP_SECURITY): "),
        (
            {"INTAKE_DIGEST_TIME": "25:00"},
            "setting digest_time (INTAKE_DIGEST_TIME): must be HH:MM",
        ),
        ({"INTAKE_DATABASE_URL": "mysql://x"}, "setting database_url (INTAKE_DATABASE_URL): "),
        ({"INTAKE_DIGEST_TO": "staff@x, nobody"}, "'nobody' is not an e-mail address"),
        ({"INTAKE_POLL_SECONDS": "1"}, "setting poll_seconds (INTAKE_POLL_SECONDS): "),
        ({"INTAKE_SMTP_PASSWORD_FILE": "/nonexistent"}, "setting smtp_password_file"),
    ],
)
def test_a_wrong_setting_names_itself(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings(None, {"INTAKE_CONFIG": "", **env})


def test_an_unknown_key_in_the_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "intake.toml"
    config.write_text('imap_hots = "x"\n')
    with pytest.raises(SettingsError, match=r"setting imap_hots in .*: unknown setting"):
        load_settings(config, {})


def test_the_command_stops_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "INTAKE_IMAP_PORT": "abc", "INTAKE_DATA_DIR": str(tmp_path)}
    result = subprocess.run([INTAKE, "check-config"], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.startswith("error: setting imap_port (INTAKE_IMAP_PORT):")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in setting_names() if f"`INTAKE_{name.upper()}`" not in readme]
    assert not missing, f"settings missing from README.md: {missing}"


def test_defaults_are_the_embedded_defaults() -> None:
    settings = Settings()
    assert settings.web_host == "127.0.0.1"
    assert settings.imap_folder == "INBOX"
    assert settings.sqlalchemy_url.startswith("sqlite:///")
