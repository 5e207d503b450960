"""Action lists as CSV files for the weekly meeting and for import back into the source tools.

`export_actions()` writes one CSV per list from the warehouse's action marts, with Japanese or
English headers, times in the business time zone, UTF-8 with a byte-order mark by default (Excel
then shows Japanese correctly) or CP932 for tools that want Shift_JIS. A cell that a spreadsheet
would run as a formula is neutralised (pipelines/safe_text.py).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.i18n import code_label
from pipelines.safe_text import PERSONAL_MASKS, spreadsheet_safe

ENCODINGS = {"utf-8-sig": "utf-8-sig", "utf-8": "utf-8", "cp932": "cp932", "shift_jis": "cp932"}


@dataclass(frozen=True)
class ActionList:
    file: str
    table: str
    columns: tuple[tuple[str, str, str], ...]  # (column, Japanese header, English header)
    order_by: str


# Columns whose codes are shown as labels (column -> label kind).
_CODED = {"sla_status": "sla_status", "sla_rule": "sla_rule", "action": "action",
          "recycle_source": "recycle_source", "reason": "reason", "non_sql_reason": "reason",
          "decision": "decision", "opportunity_outcome": "outcome", "last_stage": "stage",
          "original_channel": "channel", "segment": "segment", "is_due": "boolean",
          "follow_up": "follow_up"}
_LOCAL = {"notified_at", "first_contact_due_at", "first_contact_at", "decided_at", "last_activity_at",
          "sfa_updated_at"}

# Each column's header (Japanese, English), the same in every list unless a list says otherwise.
_HEADERS = {
    "owner_manager": ("マネージャー", "Manager"),
    "owner": ("担当者", "Owner"),
    "owner_team": ("チーム", "Team"),
    "follow_up": ("対応状況", "Follow-up"),
    "notified_at": ("MQL 通知日時", "Notified at"),
    "first_contact_due_at": ("初回接触期限", "First contact due"),
    "first_contact_at": ("初回接触日時", "First contact at"),
    "decision": ("判定", "Decision"),
    "grade": ("グレード", "Grade"),
    "score": ("スコア", "Score"),
    "person_name": ("氏名", "Name"),
    "email": ("メール", "E-mail"),
    "account_name": ("会社名", "Company"),
    "original_channel": ("チャネル", "Channel"),
    "sfa_lead_id": ("SFA リード ID", "SFA lead id"),
    "lead_id": ("リード ID", "Lead id"),
    "sla_status": ("SLA 状況", "SLA status"),
    "hours_waiting": ("経過時間（h）", "Hours waiting"),
    "manager": ("マネージャー", "Manager"),
    "sla_rule": ("違反した SLA", "SLA rule"),
    "hours_since_notified": ("通知からの時間（h）", "Hours since notified"),
    "attempts_before_decision": ("接触試行回数", "Attempts"),
    "reapproach_date": ("再アプローチ日", "Re-approach date"),
    "is_due": ("対応時期", "Due"),
    "action": ("アクション", "Action"),
    "recycle_source": ("区分", "Source"),
    "reason": ("理由", "Reason"),
    "event_date": ("判定・失注日", "Decided / lost on"),
    "opportunity_owner": ("FS 担当", "FS owner"),
    "last_activity_at": ("最終活動日時", "Last activity"),
    "days_inactive": ("非活動日数", "Days inactive"),
    "last_stage": ("最終ステージ", "Last stage"),
    "segment": ("セグメント", "Segment"),
    "ma_lead_id": ("MA リード ID", "MA lead id"),
    "sfa_status": ("リード状況", "SFA status"),
    "decided_at": ("判定日時", "Decided at"),
    "non_sql_reason": ("非 SQL 理由", "Non-SQL reason"),
    "non_sql_reason_detail": ("非 SQL 理由詳細", "Non-SQL reason detail"),
    "opportunity_outcome": ("商談結果", "Opportunity outcome"),
    "won_amount": ("受注金額", "Won amount"),
    "currency": ("通貨", "Currency"),
    "sfa_updated_at": ("SFA 更新日時", "SFA updated at"),
}


def _columns(*names: str, **headers: tuple[str, str]) -> tuple[tuple[str, str, str], ...]:
    """The list's columns with their headers (_HEADERS, or the list's own by column)."""
    return tuple((n, *headers.get(n, _HEADERS[n])) for n in names)


ACTION_LISTS = (
    ActionList("weekly_handoffs.csv", "marts.action_weekly_handoffs", _columns(
        "owner_manager", "owner", "owner_team", "follow_up", "notified_at", "first_contact_due_at",
        "first_contact_at", "decision", "grade", "score", "person_name", "email", "account_name",
        "original_channel", "sfa_lead_id", "lead_id"),
        "notified_at, lead_id"),
    ActionList("awaiting_first_contact.csv", "marts.action_awaiting_first_contact", _columns(
        "owner_manager", "owner", "owner_team", "sla_status", "first_contact_due_at", "notified_at",
        "hours_waiting", "grade", "score", "person_name", "email", "account_name",
        "original_channel", "sfa_lead_id", "lead_id"),
        "first_contact_due_at, owner"),
    ActionList("sla_escalations.csv", "marts.action_sla_escalations", _columns(
        "manager", "owner", "owner_team", "sla_rule", "notified_at", "first_contact_due_at",
        "hours_since_notified", "attempts_before_decision", "person_name", "account_name",
        "sfa_lead_id", "lead_id"),
        "manager, owner, sla_rule, notified_at"),
    ActionList("recycle_queue.csv", "marts.action_recycle_queue", _columns(
        "reapproach_date", "is_due", "action", "recycle_source", "reason", "event_date",
        "person_name", "email", "account_name", "owner", "opportunity_owner", "lead_id",
        owner=("IS 担当", "IS owner")),
        "reapproach_date, lead_id"),
    ActionList("dormant_leads.csv", "marts.action_dormant_leads", _columns(
        "last_activity_at", "days_inactive", "last_stage", "person_name", "email", "account_name",
        "segment", "original_channel", "lead_id"),
        "days_inactive desc, lead_id"),
    ActionList("feedback_to_ma.csv", "marts.feedback_to_ma", _columns(
        "ma_lead_id", "sfa_lead_id", "email", "sfa_status", "decision", "decided_at",
        "non_sql_reason", "non_sql_reason_detail", "opportunity_outcome", "won_amount", "currency",
        "grade", "sfa_updated_at"),
        "sfa_lead_id"),
)


def action_list(file: str) -> ActionList:
    return next(a for a in ACTION_LISTS if a.file == file)


def column_labels(action: ActionList, lang: str) -> dict[str, str]:
    """The list's headers in the language, by column."""
    return {column: ja if lang == "ja" else en for column, ja, en in action.columns}


def coded_columns(action: ActionList) -> dict[str, str]:
    """The list's columns whose codes are shown as labels, with their label kind."""
    return {column: _CODED[column] for column, _ja, _en in action.columns if column in _CODED}


def local_time_columns(action: ActionList) -> tuple[str, ...]:
    """The list's columns of times, shown in the business time zone."""
    return tuple(column for column, _ja, _en in action.columns if column in _LOCAL)


def _select(action: ActionList, timezone: str) -> str:
    parts = []
    for column, _ja, _en in action.columns:
        if column in _LOCAL:
            parts.append(f"strftime(timezone('{timezone}', timezone('UTC', {column})), '%Y/%m/%d %H:%M')")
        elif column in ("hours_waiting", "hours_since_notified"):
            parts.append(f"round({column}, 1)")
        else:
            parts.append(column)
    return f"SELECT {', '.join(parts)} FROM {action.table} ORDER BY {action.order_by}"


def export_actions(warehouse: Path, out_dir: Path, encoding: str = "utf-8-sig", lang: str = "ja",
                   timezone: str = "Asia/Tokyo", mask: bool = True) -> dict[str, dict]:
    """Write every action list, leads' names, e-mail addresses and phone numbers masked unless
    `mask` is False; returns {file: {"rows": n, "replaced_characters": n}}."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; use one of {', '.join(ENCODINGS)}")
    codec = ENCODINGS[encoding]
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    written = {}
    try:
        for action in ACTION_LISTS:
            rows = con.execute(_select(action, timezone)).fetchall()
            header = list(column_labels(action, lang).values())
            replaced = 0
            path = out_dir / action.file
            with open(path, "w", encoding=codec, errors="strict", newline="") as fh:
                writer = csv.writer(fh, lineterminator="\r\n")
                writer.writerow(header)
                kinds = [_CODED.get(c) for c, _ja, _en in action.columns]
                masks = [PERSONAL_MASKS.get(c) if mask else None for c, _ja, _en in action.columns]
                for row in rows:
                    row = [m(v) if m else v for m, v in zip(masks, row, strict=True)]
                    values = [spreadsheet_safe(code_label(k, v, lang) if k else ("" if v is None else str(v)))
                              for k, v in zip(kinds, row, strict=True)]
                    if codec == "cp932":
                        safe = []
                        for v in values:
                            encoded = v.encode("cp932", errors="replace").decode("cp932")
                            replaced += sum(1 for a, b in zip(v, encoded, strict=False) if a != b)
                            safe.append(encoded)
                        values = safe
                    writer.writerow(values)
            written[action.file] = {"rows": len(rows), "replaced_characters": replaced}
    finally:
        con.close()
    return written
