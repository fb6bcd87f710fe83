import os

import pytest

HEAVY_ENV = "KERASSEQ_HEAVY_TESTS"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "network: downloads a small real archive from a package registry"
    )
    config.addinivalue_line(
        "markers",
        f"network_heavy: downloads large real archives; runs only with {HEAVY_ENV}=1",
    )


def pytest_runtest_setup(item):
    if item.get_closest_marker("network_heavy") and os.environ.get(HEAVY_ENV) != "1":
        pytest.skip(f"heavy download; set {HEAVY_ENV}=1 to run")
