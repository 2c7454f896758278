"""bookable: a self-hosted booking server."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bookable")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"
