"""Shadows the installed PyYAML: a module in the task root must win over site-packages."""

ORIGIN = "task root"
