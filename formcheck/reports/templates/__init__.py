"""HTML report templates (a package so that importlib.resources finds them)."""
