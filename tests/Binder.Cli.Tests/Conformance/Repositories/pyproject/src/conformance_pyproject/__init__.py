VALUE = "installed from pyproject.toml"
