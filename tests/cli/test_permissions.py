"""`pimsync permissions`: set, show, clear; the section survives config export/import."""

from __future__ import annotations

import orjson

from tests.cli._cli import Invoke, one_error_line
from tests.cli.conftest import Project


def _shown(invoke: Invoke) -> dict[str, object]:
    result = invoke("permissions", "show", "shop", "--json")
    assert result.exit_code == 0, result.output
    shown: dict[str, object] = orjson.loads(result.stdout)
    return shown


def test_set_show_clear_and_export(project: Project, invoke: Invoke) -> None:
    assert _shown(invoke) == {
        "destination": "shop",
        "category_trees": None,
        "locales": None,
        "attribute_groups": None,
    }

    done = invoke("permissions", "set", "shop", "--trees", "master,sales", "--locales", "en_US")
    assert done.exit_code == 0, done.output
    again = invoke("permissions", "set", "shop", "--attribute-groups", "")
    assert again.exit_code == 0, again.output

    assert _shown(invoke) == {
        "destination": "shop",
        "category_trees": ["master", "sales"],
        "locales": ["en_US"],
        "attribute_groups": [],
    }
    text = invoke("permissions", "show", "shop").stdout
    assert "category trees: master, sales" in text and "attribute groups: none" in text
    exported = invoke("config", "export").stdout
    assert "[permissions.shop]" in exported and 'category_trees = [\n    "master",' in exported

    cleared = invoke("permissions", "set", "shop", "--clear")
    assert cleared.exit_code == 0, cleared.output
    assert _shown(invoke)["locales"] is None
    assert "[permissions" not in invoke("config", "export").stdout


def test_an_unknown_destination_is_refused(project: Project, invoke: Invoke) -> None:
    result = invoke("permissions", "set", "nowhere", "--locales", "en_US")

    assert result.exit_code != 0
    assert "'nowhere' is not a defined connection" in one_error_line(result)
