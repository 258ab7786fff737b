"""Every entry point behaves as a command line: --help, unknown flags refused with exit 2, and
help text on every flag, with its default."""
import argparse

import pytest

from edge_persist import cleanup, contract, demo, preflight
from edge_persist.emulator import __main__ as emulator_cli
from edge_persist.forecast import __main__ as forecast_cli
from edge_persist.verify import cli as verify_cli

TOOLS = {
    "verify": verify_cli, "emulator": emulator_cli, "preflight": preflight, "demo": demo,
    "cleanup": cleanup, "forecast": forecast_cli,
}
NO_DEFAULT = (None, False, [], argparse.SUPPRESS)


@pytest.mark.parametrize("name", TOOLS)
def test_help_prints_usage_and_exits_0(name, capsys):
    with pytest.raises(SystemExit) as stopped:
        TOOLS[name].main(["--help"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.startswith("usage:")


@pytest.mark.parametrize("name", TOOLS)
def test_an_unknown_flag_is_one_line_and_exit_2(name, capsys):
    assert TOOLS[name].main(["--no-such-flag"]) == contract.EXIT_USAGE
    err = capsys.readouterr().err
    assert "--no-such-flag" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", TOOLS)
def test_every_flag_has_help_and_its_default(name):
    for action in TOOLS[name].build_parser()._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        label = "/".join(action.option_strings) or action.dest
        assert action.help and action.help is not argparse.SUPPRESS, f"{name} {label}: no help"
        if action.default not in NO_DEFAULT:
            assert "default" in action.help, f"{name} {label}: help does not give the default"
