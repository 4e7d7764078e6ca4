"""Data the formcheck package carries (a package so that importlib.resources finds it)."""
