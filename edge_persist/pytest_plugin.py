"""The pytest plugin (work in progress in this tree)."""


def pytest_addoption(parser):
    group = parser.getgroup("edge-persist")
    group.addoption("--edge-cdk-out", help="the synthesized app the edge_emulator fixture serves")
