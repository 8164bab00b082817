"""Intake's rules as plain functions over plain values: no framework, no database, no files.

Thresholds come in as arguments (the `program` section of the clinical rules, an Instruments).
"""
