"""Everything about the package is in pyproject.toml; this only compiles the web pages' translation
catalogs (.po -> .mo) whenever the package is built or installed, editable installs included, so
that no compiled catalog is ever committed (bookable.web.catalogs)."""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path(__file__).parent / "src" / "bookable" / "web" / "locale"


def _catalogs():  # loaded by path: bookable is not installed yet while it is being built
    spec = importlib.util.spec_from_file_location("bookable_catalogs", LOCALE.parent / "catalogs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithCatalogs(build_py):
    def run(self):
        super().run()
        in_place = getattr(self, "editable_mode", False)
        target = LOCALE if in_place else Path(self.build_lib) / "bookable" / "web" / "locale"
        for written in _catalogs().compile_catalogs(LOCALE, target):
            self.announce(f"compiled {written}", level=2)


setup(cmdclass={"build_py": BuildWithCatalogs})
