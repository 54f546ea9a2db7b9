"""One module per stack class."""
