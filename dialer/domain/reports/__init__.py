"""The reports for the city (SPEC "Reports", §13), pure: what each report holds.

* ``definitions`` — the reports' columns, their order, Japanese headers, titles and file names
  as data (``definitions.toml`` beside this file, overridable by ``[reports] definitions``);
* ``daily`` — the business daily report (業務日報): figures per debt type for one day;
* ``targets`` — the per-target result report (架電先別結果報告): the call list with the day's
  results appended, and the escalation list (エスカレーション案件リスト) as its ★/☆ filter;
* ``period`` — the monthly (業務月報) and final (業務報告書) reports folded from days;
* ``schedule`` — when the daily report is generated and for which day.

The meaning of a call, a contact, a promise and an escalation is the supervisor board's
(``dialer.domain.supervision``): the reports reuse those definitions, never restate them.
"""
