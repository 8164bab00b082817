"""The platform's common kit: one mechanism per cross-cutting concern, no service's rules."""
