"""The bundled examples check without errors or warnings: they are what users copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from dunforce.dsl import check_file

ROOT = Path(__file__).parent.parent


def test_social_housing_has_about_forty_profiles_and_no_warning():
    checked = check_file(ROOT / "examples" / "social_housing" / "scenarios.dfs")
    assert checked.warnings == ()
    assert 35 <= len(checked.profiles) <= 50
    assert checked.profiles[-1] and checked.module.profiles[-1].is_otherwise
    channels = {
        s.action.channel
        for sc in checked.module.scenarios
        for s in sc.items
        if hasattr(s, "action")
    }
    assert {"sms", "email", "letter", "call", "plan", "caf", "bailiff"} <= channels
    assert {b.event for b in checked.module.event_blocks} >= {"rejection", "departure"}


@pytest.mark.parametrize("name", ["social_housing", "invoices"])
def test_examples_check_clean(name):
    checked = check_file(ROOT / "examples" / name / "scenarios.dfs")
    assert checked.warnings == (), "\n".join(map(str, checked.warnings))
