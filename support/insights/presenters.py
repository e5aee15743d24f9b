"""Section data → what the page draws and the CSV holds: tiles, Chart.js charts and tables
with translated headings. One function per section; the JSON endpoint and the CSV export
both go through `section_payload`, so they always show the same figures."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

Cell = Any  # str | int | float | None | {"text": str, "url": str}


def ticket_url(ticket_id: int) -> str:
    """The ticket's page (the tickets part's route), "" while it does not exist."""
    try:
        return reverse("support:ticket_detail", kwargs={"ticket_id": ticket_id})
    except NoReverseMatch:
        return ""


def _num(value: Any) -> Any:
    return "" if value is None else value


def _table(title: str, columns: list[str], rows: list[list[Cell]]) -> dict[str, Any]:
    return {"title": title, "columns": columns, "rows": rows}


def _chart(
    chart_id: str, kind: str, title: str, labels: list[str], datasets: list[dict[str, Any]]
) -> dict[str, Any]:
    return {"id": chart_id, "type": kind, "title": title, "labels": labels, "datasets": datasets}


def volume(data: dict[str, Any]) -> dict[str, Any]:
    days = data["by_day"]
    return {
        "tiles": [{"label": _("Inquiries received"), "value": data["total"]}],
        "charts": [
            _chart(
                "volume-day",
                "bar",
                _("Received per day"),
                [d["day"] for d in days],
                [{"label": _("Inquiries"), "data": [d["count"] for d in days]}],
            ),
            _chart(
                "volume-channel",
                "doughnut",
                _("By channel"),
                [c["label"] for c in data["by_channel"]],
                [{"label": _("Inquiries"), "data": [c["count"] for c in data["by_channel"]]}],
            ),
        ],
        "tables": [
            _table(
                _("By channel"),
                [_("Channel"), _("Inquiries")],
                [[c["label"], c["count"]] for c in data["by_channel"]],
            ),
            _table(
                _("By category"),
                [_("Category"), _("Inquiries")],
                [[c["name"], c["count"]] for c in data["by_category"]],
            ),
            _table(_("By day"), [_("Day"), _("Inquiries")], [[d["day"], d["count"]] for d in days]),
        ],
        "empty": "" if data["total"] else _("No inquiries were received in this period."),
    }


def times(data: dict[str, Any]) -> dict[str, Any]:
    fr, res = data["first_response"], data["resolution"]

    def hours(value: Any) -> str:
        return "—" if value is None else _("%(hours)s h") % {"hours": value}

    return {
        "tiles": [
            {"label": _("First response, median"), "value": hours(fr["median_hours"])},
            {"label": _("First response, p90"), "value": hours(fr["p90_hours"])},
            {"label": _("Resolution, median"), "value": hours(res["median_hours"])},
            {"label": _("Resolution, p90"), "value": hours(res["p90_hours"])},
        ],
        "charts": [
            _chart(
                "times-hours",
                "bar",
                _("Hours from receipt"),
                [_("First response"), _("Resolution")],
                [
                    {"label": _("Median"), "data": [fr["median_hours"], res["median_hours"]]},
                    {"label": _("p90"), "data": [fr["p90_hours"], res["p90_hours"]]},
                ],
            )
        ],
        "tables": [
            _table(
                _("Response and resolution times (wall-clock hours)"),
                [_("Target"), _("Inquiries"), _("Median (h)"), _("p90 (h)")],
                [
                    [
                        _("First response"),
                        fr["count"],
                        _num(fr["median_hours"]),
                        _num(fr["p90_hours"]),
                    ],
                    [
                        _("Resolution"),
                        res["count"],
                        _num(res["median_hours"]),
                        _num(res["p90_hours"]),
                    ],
                ],
            )
        ],
        "note": _("Hours on the clock from receipt, not business hours."),
        "empty": ""
        if fr["count"] or res["count"]
        else _("No inquiries were answered or resolved in this period."),
    }


def sla(data: dict[str, Any]) -> dict[str, Any]:
    fr, res = data["first_response"], data["resolution"]

    def rate(value: Any) -> str:
        return "—" if value is None else f"{value}%"

    return {
        "tiles": [
            {"label": _("First response within target"), "value": rate(fr["rate"])},
            {"label": _("Resolution within target"), "value": rate(res["rate"])},
        ],
        "charts": [
            _chart(
                "sla-attainment",
                "bar",
                _("SLA targets"),
                [_("First response"), _("Resolution")],
                [
                    {"label": _("Met"), "data": [fr["met"], res["met"]]},
                    {"label": _("Missed"), "data": [fr["missed"], res["missed"]]},
                    {"label": _("Running"), "data": [fr["running"], res["running"]]},
                ],
            )
        ],
        "tables": [
            _table(
                _("SLA attainment"),
                [_("Target"), _("Met"), _("Missed"), _("Running"), _("Attainment (%)")],
                [
                    [_("First response"), fr["met"], fr["missed"], fr["running"], _num(fr["rate"])],
                    [_("Resolution"), res["met"], res["missed"], res["running"], _num(res["rate"])],
                ],
            )
        ],
        "empty": ""
        if any(fr[k] or res[k] for k in ("met", "missed", "running"))
        else _(
            "No SLA target fell due in this period. "
            "Set up SLA policies in the settings if there are none."
        ),
    }


def backlog(data: dict[str, Any]) -> dict[str, Any]:
    days = data["days"]
    return {
        "tiles": [
            {"label": _("Open at the end of the period"), "value": days[-1]["open"] if days else 0}
        ],
        "charts": [
            _chart(
                "backlog-day",
                "line",
                _("Open inquiries at the end of each day"),
                [d["day"] for d in days],
                [{"label": _("Open inquiries"), "data": [d["open"] for d in days]}],
            )
        ],
        "tables": [
            _table(
                _("Backlog by day"),
                [_("Day"), _("Received"), _("Resolved"), _("Open at end of day")],
                [[d["day"], d["received"], d["resolved"], d["open"]] for d in days],
            )
        ],
        "empty": ""
        if any(d["open"] or d["received"] for d in days)
        else _("No open inquiries in this period."),
    }


def long_running(data: dict[str, Any]) -> dict[str, Any]:
    tickets = data["tickets"]
    return {
        "tiles": [],
        "charts": [],
        "tables": [
            _table(
                _("Oldest open inquiries"),
                [
                    _("Number"),
                    _("Subject"),
                    _("Status"),
                    _("Days open"),
                    _("Assignee"),
                    _("Category"),
                ],
                [
                    [
                        {"text": f"#{t['number']}", "url": ticket_url(t["id"])},
                        t["subject"],
                        t["status"],
                        t["age_days"],
                        t["assignee"],
                        t["category"],
                    ]
                    for t in tickets
                ],
            )
        ],
        "empty": "" if tickets else _("No open inquiries. Nothing is waiting."),
    }


def workload(data: dict[str, Any]) -> dict[str, Any]:
    agents = data["agents"]
    return {
        "tiles": [],
        "charts": [
            _chart(
                "workload-agent",
                "bar",
                _("Workload per agent"),
                [a["name"] for a in agents],
                [
                    {"label": _("Open assigned"), "data": [a["open"] for a in agents]},
                    {"label": _("Resolved in period"), "data": [a["resolved"] for a in agents]},
                ],
            )
        ],
        "tables": [
            _table(
                _("Workload per agent"),
                [
                    _("Agent"),
                    _("Open assigned"),
                    _("Resolved in period"),
                    _("Median first response (h)"),
                ],
                [
                    [a["name"], a["open"], a["resolved"], _num(a["median_first_response_hours"])]
                    for a in agents
                ],
            )
        ],
        "empty": ""
        if agents
        else _("No assigned inquiries. Assign inquiries to agents in the queue."),
    }


def csat(data: dict[str, Any]) -> dict[str, Any]:
    average = data["average"]
    return {
        "tiles": [
            {"label": _("Average rating"), "value": "—" if average is None else f"{average} / 5"},
            {"label": _("Ratings"), "value": data["rated"]},
            {
                "label": _("Response rate"),
                "value": "—" if data["response_rate"] is None else f"{data['response_rate']}%",
            },
        ],
        "charts": [
            _chart(
                "csat-distribution",
                "bar",
                _("Ratings"),
                ["1", "2", "3", "4", "5"],
                [{"label": _("Ratings"), "data": data["distribution"]}],
            )
        ],
        "tables": [
            _table(
                _("By agent"),
                [_("Agent"), _("Ratings"), _("Average")],
                [[a["name"], a["count"], _num(a["average"])] for a in data["by_agent"]],
            ),
            _table(
                _("By category"),
                [_("Category"), _("Ratings"), _("Average")],
                [[c["name"], c["count"], _num(c["average"])] for c in data["by_category"]],
            ),
            _table(
                _("Latest comments"),
                [_("Number"), _("Rating"), _("Comment"), _("Agent"), _("Rated at")],
                [
                    [
                        {"text": f"#{c['number']}", "url": ticket_url(c["ticket_id"])},
                        c["rating"],
                        c["comment"],
                        c["agent"],
                        c["rated_at"][:16].replace("T", " "),
                    ]
                    for c in data["comments"]
                ],
            ),
        ],
        "empty": ""
        if data["rated"] or data["sent"]
        else _(
            "No satisfaction ratings in this period. "
            "Customers are asked when an inquiry is resolved."
        ),
    }


PRESENTERS = {
    "volume": volume,
    "times": times,
    "sla": sla,
    "backlog": backlog,
    "long_running": long_running,
    "workload": workload,
    "csat": csat,
}


def section_titles() -> dict[str, str]:
    return {
        "volume": _("Volume"),
        "times": _("Response and resolution times"),
        "sla": _("SLA attainment"),
        "backlog": _("Backlog over time"),
        "long_running": _("Long-running inquiries"),
        "workload": _("Workload per agent"),
        "csat": _("Customer satisfaction (CSAT)"),
    }


def section_payload(section: str, data: dict[str, Any]) -> dict[str, Any]:
    payload = PRESENTERS[section](data)
    payload["section"] = section
    payload["title"] = section_titles()[section]
    payload["data"] = data
    return payload
