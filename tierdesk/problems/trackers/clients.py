"""Outbound calls to the trackers' documented REST endpoints.

- Jira Cloud: `POST {base}/rest/api/3/issue` answers `{"id", "key", "self"}`;
  `POST {base}/rest/api/3/issue/{key}/comment` with the body in Atlassian Document
  Format; basic authentication with the account's e-mail and an API token.
- GitHub: `POST {base}/repos/{owner}/{repo}/issues` answers `{"number", "html_url", …}`;
  `POST {base}/repos/{owner}/{repo}/issues/{number}/comments`; `Authorization: Bearer`.

What goes out is the problem's title, public summary, internal analysis and reference:
the tracker is the vendor's own. No customer, partner or ticket content is sent.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import quote

from tierdesk.problems.models import Problem, Tracker, TrackerKind
from tierdesk.problems.trackers.http import TrackerError, call

GITHUB_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


@dataclass(frozen=True)
class Issue:
    key: str
    url: str


def _adf(text: str) -> dict:
    """Plain text as an Atlassian Document Format document, one paragraph per line."""
    lines = [line for line in text.splitlines() if line.strip()] or [" "]
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": line}]} for line in lines
        ],
    }


def _jira_auth(tracker: Tracker) -> dict[str, str]:
    pair = f"{tracker.username}:{tracker.token}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def _github_auth(tracker: Tracker) -> dict[str, str]:
    return {"Authorization": f"Bearer {tracker.token}", **GITHUB_HEADERS}


def _base(tracker: Tracker) -> str:
    return tracker.base_url.rstrip("/")


def issue_text(problem: Problem) -> str:
    parts = [problem.public_summary]
    if problem.internal_analysis:
        parts += ["", "Analysis:", problem.internal_analysis]
    parts += ["", f"Tierdesk {problem.reference}"]
    return "\n".join(parts)


def create_issue(tracker: Tracker, problem: Problem) -> Issue:
    if tracker.kind == TrackerKind.JIRA:
        body = {
            "fields": {
                "project": {"key": tracker.project},
                "summary": problem.title[:250],
                "issuetype": {"name": "Bug"},
                "description": _adf(issue_text(problem)),
            }
        }
        _, answer = call(
            "POST", f"{_base(tracker)}/rest/api/3/issue", body=body, headers=_jira_auth(tracker)
        )
        key = str((answer or {}).get("key", ""))
        if not key:
            raise TrackerError("Jira answered without an issue key")
        return Issue(key=key, url=f"{_base(tracker)}/browse/{quote(key)}")
    body = {"title": problem.title, "body": issue_text(problem), "labels": ["tierdesk"]}
    _, answer = call(
        "POST",
        f"{_base(tracker)}/repos/{tracker.project}/issues",
        body=body,
        headers=_github_auth(tracker),
    )
    number = (answer or {}).get("number")
    if not isinstance(number, int):
        raise TrackerError("GitHub answered without an issue number")
    return Issue(key=str(number), url=str((answer or {}).get("html_url", "")))


def add_comment(tracker: Tracker, key: str, text: str) -> None:
    if tracker.kind == TrackerKind.JIRA:
        call(
            "POST",
            f"{_base(tracker)}/rest/api/3/issue/{quote(key)}/comment",
            body={"body": _adf(text)},
            headers=_jira_auth(tracker),
        )
        return
    call(
        "POST",
        f"{_base(tracker)}/repos/{tracker.project}/issues/{quote(key)}/comments",
        body={"body": text},
        headers=_github_auth(tracker),
    )
