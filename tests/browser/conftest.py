from tests.chromium import browser  # noqa: F401  (the fixture)
