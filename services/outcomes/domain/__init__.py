"""The outcomes rules: plain modules, no framework; clinical rule sections come in as arguments."""
