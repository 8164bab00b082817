"""The notification rules: when, who, by which channel and in which words. No framework here."""
