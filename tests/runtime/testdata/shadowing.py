"""Reports which `yaml` module it got: the task root's own or the installed one."""

import yaml


def handler(event, context):
    return getattr(yaml, "ORIGIN", "site-packages")
