"""The built-in apps, by the names users type: each one Stream declaration in its own file.

A new built-in app: its file here (``name = Stream(...)``) and one line below."""

from buzzline.apps.basic import basic
from buzzline.apps.json_file import json_file
from buzzline.apps.project import project
from buzzline.apps.smoker import smoker
from buzzline.registry import Registry
from buzzline.streams import Stream

APPS: Registry[Stream] = Registry("app")
APPS.add("basic", basic)
APPS.add("json", json_file)
APPS.add("csv", smoker)
APPS.add("project", project)


def get_app(name: str) -> Stream:
    return APPS.get(name)


__all__ = ["APPS", "get_app"]
