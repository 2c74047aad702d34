import pytest

from stay.recommendations import serving


@pytest.fixture(autouse=True)
def own_models(settings, tmp_path):
    """Each test trains into its own directory and serves nothing an earlier test trained."""
    settings.DATA_DIR = tmp_path
    serving._loaded.clear()
    yield
    serving._loaded.clear()
