"""The live compliance tests' emulator fixtures (``emulator_server``, ``every_form``, ``forms``, ``deploy``), shared with this folder."""

from tests.unit.stackcheck.test_compliance import deploy, emulator_server, every_form, forms

__all__ = ["deploy", "emulator_server", "every_form", "forms"]
