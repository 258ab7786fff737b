"""What `emulate --app`/`--watch` reads of a CDK project (edge_persist/emulator/watch.py): a
cdk.json or cdk.context.json it cannot read is no app and no context, never a traceback."""
import json

import pytest

from edge_persist.emulator import watch

DEEP = '{"a":' * 100_000 + "1" + "}" * 100_000


def test_the_app_and_context_come_from_cdk_json(tmp_path):
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 app.py",
                                                   "context": {"flag": True}}))
    (tmp_path / "cdk.context.json").write_text(json.dumps({"lookup": "value"}))
    assert watch.app_of(tmp_path) == "python3 app.py"
    context = watch.context_of(tmp_path)
    assert context["flag"] is True and context["lookup"] == "value"


@pytest.mark.parametrize("text", [DEEP, "[1, 2]", "not json", b"\xff\xfe"])
def test_an_unreadable_cdk_json_is_no_app_and_no_context(tmp_path, text):
    for name in ("cdk.json", "cdk.context.json"):
        path = tmp_path / name
        path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
    assert watch.app_of(tmp_path) is None
    assert watch.context_of(tmp_path) == {"aws:cdk:enable-path-metadata": True,
                                          "aws:cdk:enable-asset-metadata": True}
