"""Tools for edge-persist: verify, log scanning, report, local emulator, linter, cleanup.

Never imports stacks/: the emulator and linter read the synthesized template instead.
"""
