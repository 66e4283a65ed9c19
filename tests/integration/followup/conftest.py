"""The web tests' small CT catalog, for the follow-up tests."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.integration.web.conftest import WebCatalog, build_catalog


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture
def catalog(db: None) -> WebCatalog:
    return build_catalog()
