"""The apps, by the names users type: basic, json, csv, project."""

from buzzline.apps.base import App
from buzzline.apps.buzz import BasicApp, JsonApp
from buzzline.apps.project import ProjectApp
from buzzline.apps.smoker import SmokerApp
from buzzline.registry import Registry

APPS: Registry[type[App]] = Registry("app")
for _app in (BasicApp, JsonApp, SmokerApp, ProjectApp):
    APPS.add(_app.name, _app)


def get_app(name: str) -> App:
    return APPS.get(name)()


__all__ = ["APPS", "App", "get_app"]
