"""The one exception family of formcheck; the CLI turns it into a one-line message."""


class FormcheckError(Exception):
    """A problem the user can fix: bad input, a missing model, an unwritable output."""
