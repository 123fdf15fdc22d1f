"""Settings: the export folder, and values the app does not know reported like a broken file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tui.core.settings import Settings


def load(tmp_path: Path, settings: object) -> Settings:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return Settings.load(path)


def test_export_dir_is_read_with_the_home_folder_expanded(tmp_path: Path) -> None:
    settings = load(tmp_path, {"export_dir": "~/exports"})
    assert settings.export_dir == "~/exports"
    assert settings.export_folder() == Path.home() / "exports"
    assert settings.problem is None


def test_without_export_dir_the_home_folder_is_proposed(tmp_path: Path) -> None:
    assert load(tmp_path, {"theme": "textual-light"}).export_folder() == Path.home()
    assert Settings().export_folder() == Path.home()


def test_no_home_falls_back_to_the_current_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    def homeless() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(homeless))
    assert Settings().export_folder() == Path.cwd()


def test_an_export_dir_that_is_not_a_name_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    settings = load(tmp_path, {"export_dir": [1, 2], "theme": "textual-light"})
    assert settings.theme == "textual-light" and settings.export_dir == ""
    assert (
        settings.problem
        == f"{tmp_path / 'config.yaml'}: 'export_dir' must be a folder name (using {Path.home()})"
    )
    assert (tmp_path / "config.yaml").exists()  # not set aside: one bad value is not a broken file


def test_saving_keeps_export_dir(tmp_path: Path) -> None:
    settings = load(tmp_path, {"export_dir": "/srv/exports", "theme": "textual-light"})
    settings.theme = "nord"
    settings.save(tmp_path / "config.yaml")
    again = Settings.load(tmp_path / "config.yaml")
    assert (again.theme, again.export_dir) == ("nord", "/srv/exports")


def test_check_reports_an_unknown_theme_and_binding_ids(tmp_path: Path) -> None:
    settings = load(
        tmp_path, {"theme": "solarised", "keymap": {"reader.nxt": "x", "a.b": "y", "app.quit": "Q"}}
    )
    settings.check({"textual-dark", "nord"}, {"app.quit", "reader.next_hit"})
    where = tmp_path / "config.yaml"
    assert settings.problem == (
        f"{where}: unknown theme 'solarised' (using the default); "
        "unknown key binding ids 'a.b', 'reader.nxt' (ignored; ? lists the ids)"
    )
    assert settings.theme == "solarised" and settings.keymap["reader.nxt"] == "x"  # kept as written


def test_check_is_quiet_when_everything_is_known(tmp_path: Path) -> None:
    settings = load(tmp_path, {"theme": "nord", "keymap": {"app.quit": "Q"}})
    settings.check({"nord"}, {"app.quit"})
    assert settings.problem is None


def test_check_adds_to_a_problem_already_there(tmp_path: Path) -> None:
    settings = load(tmp_path, {"export_dir": 3, "theme": "nope"})
    settings.check({"textual-dark"}, set())
    assert settings.problem is not None
    first, second = settings.problem.split("; ", 1)
    assert "'export_dir' must be a folder name" in first and "unknown theme 'nope'" in second


@pytest.mark.parametrize(
    ("written", "watch", "reported"),
    [(False, False, False), (True, True, False), ("no", True, True), (0, True, True)],
)
def test_watch_is_a_yes_or_no_and_anything_else_is_reported(
    tmp_path: Path, written: object, watch: bool, reported: bool
) -> None:
    settings = load(tmp_path, {"watch": written})
    assert settings.watch is watch
    assert (settings.problem is not None and "'watch' must be true or false" in settings.problem) is reported
    settings.save(tmp_path / "again.yaml")
    assert Settings.load(tmp_path / "again.yaml").watch is watch
