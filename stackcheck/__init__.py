"""stackcheck: synthesize, scan, deploy (emulator or AWS) and check a CDK app's cloud assembly."""

from stackcheck.errors import StackcheckError

__all__ = ["StackcheckError", "__version__"]

__version__ = "0.1.0"
