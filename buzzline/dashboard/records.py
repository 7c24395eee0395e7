"""What a consumer's live file must hold for the dashboard to show it (see ``publisher``): a
file that is not one (another version, another program's, hand-edited) is set aside, never
allowed to stop the frames."""

from typing import Any

NUMBER = (int, float)
PANEL_DATA = {"categories": {"counts": dict}, "series": {"x": list, "y": list},
              "band": {"x": list, "mean": list, "low": list, "high": list},
              "points": {"x": list, "y": list}, "values": {"edges": list, "counts": list}}


def valid(record: Any) -> bool:
    """A version 1 record of the fields the frame reads, each of its type."""
    if not isinstance(record, dict) or record.get("version") != 1:
        return False
    if not isinstance(record.get("id"), str) or not isinstance(record.get("panels"), list):
        return False
    for name in ("messages", "rejected", "rate", "updated"):
        value = record.get(name)
        if not isinstance(value, NUMBER) or isinstance(value, bool):
            return False
    for panel in record["panels"]:
        if not isinstance(panel, dict) or not isinstance(panel.get("data"), dict):
            return False
        fields = PANEL_DATA.get(panel.get("shape"))
        if fields is None or any(not isinstance(panel["data"].get(k), kind)
                                 for k, kind in fields.items()):
            return False
        if not isinstance(panel.get("options", {}), dict):
            return False
    return True
