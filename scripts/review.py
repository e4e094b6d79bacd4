"""The review of a definition change: what every mart would show.

Called by scripts/review.sh once both builds are done:

    review.py BASE_TREE HEAD_TREE BASE_DB HEAD_DB BASE_MANIFEST HEAD_MANIFEST
              OUT_DIR [BASE_LABEL]

Three parts, each plain Python over files or SQL over the two DuckDB files
(ATTACHed read-only as `base` and `head`):

- the definition diff in words, from the two trees' seeds, dbt vars and
  model, macro and test files;
- per mart (schema marts in either manifest), rows added, removed and
  changed, each mart joined on its grain: the model's primary_key
  constraint in that build's manifest; for the rate marts the largest
  changes first, and the headline macro rate on top;
- audit.event_reconciliation before and after, and the visitors (and
  their events) by traffic class and reason, with how many visitors moved
  between human and bot (from staging.stg_events__classified: only
  counts are written).

Writes OUT_DIR/review.md and OUT_DIR/review.html (self-contained: inline
CSS and SVG, no script, no network) and OUT_DIR/review.json (the figures),
then prints the headline and the Markdown path.
"""
from __future__ import annotations

import csv
import hashlib
import html
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

# The key of each definition seed; any other seed is keyed by its first
# column. funnel_exclusions has no single key: a row is its own key.
SEED_KEYS = {
    "goals": ["goal_id"],
    "funnels": ["funnel_id"],
    "bot_user_agent_patterns": ["pattern"],
    "channel_rules": ["rule_order"],
    "funnel_exclusions": ["funnel_id", "event_name", "page_path_pattern",
                          "from_step", "to_step"],
}
SEED_NOUNS = {
    "goals": "goal", "funnels": "funnel",
    "bot_user_agent_patterns": "bot pattern", "channel_rules": "channel rule",
    "funnel_exclusions": "funnel exclusion",
}
# The folders whose files are code, listed by path when they differ.
CODE_DIRS = ["models", "macros", "tests"]
# The rate column of a rate mart, and the counts shown beside it.
RATE_COLUMNS = {
    "conversion_rate": ("converting_visitors", "human_visitors"),
    "rate_from_first_step": ("visitors_reached", None),
}
TOP_CHANGES = 10
# The marts whose largest rate changes the page charts (the segment mart's
# small cells would crowd out the rest), and their short labels.
CHART_MARTS = {"fct_goal_conversion_rates": "goal rate",
               "fct_funnel_steps": "funnel reach"}


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


# ---------------------------------------------------------------- definitions

def read_seed(path: Path) -> tuple[list[str], list[dict]]:
    if not path.exists():
        return [], []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = [{k: (v or "") for k, v in row.items()} for row in reader]
        return list(reader.fieldnames or []), rows


def short(value: str, width: int = 60) -> str:
    value = value if value != "" else "(empty)"
    return value if len(value) <= width else value[: width - 3] + "..."


def seed_changes(name: str, base_dir: Path, head_dir: Path) -> list[str]:
    """One sentence per changed row or column of a seed."""
    base_cols, base_rows = read_seed(base_dir / f"{name}.csv")
    head_cols, head_rows = read_seed(head_dir / f"{name}.csv")
    if not base_cols and not head_cols:
        return []
    if not base_cols:
        return [f"seed {name} added ({len(head_rows)} rows)"]
    if not head_cols:
        return [f"seed {name} removed ({len(base_rows)} rows)"]
    noun = SEED_NOUNS.get(name, f"{name} row")
    key_cols = SEED_KEYS.get(name, [base_cols[0]])
    out = [f"{name}: column {c} added" for c in head_cols if c not in base_cols]
    out += [f"{name}: column {c} removed" for c in base_cols if c not in head_cols]

    def key(row):
        return tuple(row.get(c, "") for c in key_cols)

    def label(k):
        return ", ".join(short(v, 40) for v in k) if len(k) > 1 else k[0]

    base = {key(r): r for r in base_rows}
    head = {key(r): r for r in head_rows}
    added = [k for k in head if k not in base]
    removed = [k for k in base if k not in head]
    for verb, keys in (("added", added), ("removed", removed)):
        if len(keys) > 1:
            out.append(f"{len(keys)} {noun}s {verb}: "
                       + "; ".join(f"'{label(k)}'" for k in keys))
        elif keys:
            out.append(f"{noun} '{label(keys[0])}' {verb}")
    columns = [c for c in head_cols if c not in key_cols]
    for k in head:
        if k not in base:
            continue
        diffs = [f"{c} {short(base[k].get(c, ''))} -> {short(head[k].get(c, ''))}"
                 for c in columns if base[k].get(c, "") != head[k].get(c, "")]
        if diffs:
            out.append(f"{noun} {label(k)}: " + "; ".join(diffs))
    return out


def flatten(d, prefix=""):
    out = {}
    for k, v in (d or {}).items():
        if isinstance(v, dict):
            out.update(flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def var_changes(base_tree: Path, head_tree: Path) -> list[str]:
    def project_vars(tree):
        path = tree / "dbt_project.yml"
        if not path.exists():
            return {}
        return flatten((yaml.safe_load(path.read_text()) or {}).get("vars"))

    return changes_in_words(
        project_vars(base_tree), project_vars(head_tree),
        added=lambda k, new: f"var {k} added: {new}",
        removed=lambda k, old: f"var {k} removed (was {old})",
        changed=lambda k, old, new: f"var {k}: {old} -> {new}")


def changes_in_words(base: dict, head: dict, added, removed, changed) -> list[str]:
    """One line per key added, removed or changed between two dicts, in key
    order, written by the given functions."""
    out = []
    for k in sorted(set(base) | set(head)):
        if k not in base:
            out.append(added(k, head[k]))
        elif k not in head:
            out.append(removed(k, base[k]))
        elif base[k] != head[k]:
            out.append(changed(k, base[k], head[k]))
    return out


def file_digests(tree: Path) -> dict[str, str]:
    out = {}
    for folder in CODE_DIRS:
        for path in sorted((tree / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                out[str(path.relative_to(tree))] = hashlib.sha256(
                    path.read_bytes()).hexdigest()
    return out


def file_changes(base_tree: Path, head_tree: Path) -> list[str]:
    return changes_in_words(
        file_digests(base_tree), file_digests(head_tree),
        added=lambda path, _: f"{path} added",
        removed=lambda path, _: f"{path} removed",
        changed=lambda path, _old, _new: f"{path} changed")


def definition_changes(base_tree: Path, head_tree: Path) -> dict[str, list[str]]:
    seeds = sorted({p.stem for tree in (base_tree, head_tree)
                    for p in (tree / "seeds").glob("*.csv")})
    out = {"seeds": [], "vars": var_changes(base_tree, head_tree),
           "files": file_changes(base_tree, head_tree)}
    for name in seeds:
        out["seeds"] += seed_changes(name, base_tree / "seeds", head_tree / "seeds")
    return out


# ---------------------------------------------------------------- the marts

@dataclass
class MartDiff:
    name: str
    grain: list[str]
    base_rows: int | None = None
    head_rows: int | None = None
    added: int = 0
    removed: int = 0
    changed: int = 0
    changed_columns: dict[str, int] = field(default_factory=dict)
    only_base_columns: list[str] = field(default_factory=list)
    only_head_columns: list[str] = field(default_factory=list)
    note: str = ""
    rate_column: str | None = None
    top: list[dict] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.note
                    or self.only_base_columns or self.only_head_columns)


def mart_grains(manifest_path: Path) -> dict[str, list[str]]:
    """Each table in schema marts, by name (its alias, so each version of
    a versioned model), and its grain: the model's primary_key constraint,
    else its contract's primary_key column constraints."""
    manifest = json.loads(manifest_path.read_text())
    out = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["schema"] != "marts":
            continue
        grain = []
        for c in node.get("constraints") or []:
            if c.get("type") == "primary_key":
                grain = list(c.get("columns") or [])
        if not grain:
            grain = [name for name, col in (node.get("columns") or {}).items()
                     if any(c.get("type") == "primary_key"
                            for c in col.get("constraints") or [])]
        out[node["alias"]] = grain
    return out


def columns_of(con, db: str, table: str) -> dict[str, str]:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = 'marts' and table_name = ? "
        "order by ordinal_position", [db, table]).fetchall()
    return dict(rows)


def compare_mart(con, name: str, grain: list[str]) -> MartDiff:
    d = MartDiff(name, grain)
    base_cols, head_cols = columns_of(con, "base", name), columns_of(con, "head", name)
    d.only_base_columns = [c for c in base_cols if c not in head_cols]
    d.only_head_columns = [c for c in head_cols if c not in base_cols]
    if base_cols:
        d.base_rows = con.execute(f"select count(*) from base.marts.{q(name)}").fetchone()[0]
    if head_cols:
        d.head_rows = con.execute(f"select count(*) from head.marts.{q(name)}").fetchone()[0]
    if not base_cols or not head_cols:
        d.note = "only in the head build" if head_cols else "only in the base build"
        d.only_base_columns, d.only_head_columns = [], []
        d.added, d.removed = (d.head_rows or 0), (d.base_rows or 0)
        return d
    if not grain or any(g not in base_cols or g not in head_cols for g in grain):
        d.note = "no grain common to both builds: rows not joined"
        return d

    def side(col, alias):
        # A column whose type changed compares as text.
        ref = f"{alias}.{q(col)}"
        return ref if base_cols[col] == head_cols[col] else f"cast({ref} as varchar)"

    values = [c for c in head_cols if c in base_cols and c not in grain]
    join = " and ".join(f"b.{q(g)} = h.{q(g)}" for g in grain)
    differs = {c: f"{side(c, 'b')} is distinct from {side(c, 'h')}" for c in values}
    both = "b._row and h._row"
    col_counts = ", ".join(
        f"count(*) filter (where {both} and {cond}) as {q('c_' + c)}"
        for c, cond in differs.items())
    any_change = " or ".join(differs.values()) or "false"
    row = con.execute(f"""
        with b as (select *, true as _row from base.marts.{q(name)}),
            h as (select *, true as _row from head.marts.{q(name)})
        select
            count(*) filter (where h._row is null) as removed,
            count(*) filter (where b._row is null) as added,
            count(*) filter (where {both} and ({any_change})) as changed
            {', ' + col_counts if col_counts else ''}
        from b full join h on {join}
    """).fetchone()
    d.removed, d.added, d.changed = row[:3]
    d.changed_columns = {c: n for c, n in zip(differs, row[3:]) if n}

    rate = next((r for r in RATE_COLUMNS if r in values), None)
    if rate:
        d.rate_column = rate
        d.top = largest_changes(con, name, grain, rate,
                                [c for c in RATE_COLUMNS[rate] if c and c in values],
                                base_cols)
    return d


def largest_changes(con, name, grain, rate, counts, base_cols) -> list[dict]:
    """The rows of a rate mart whose rate or counts moved, largest rate
    change first, then the rows added or removed (a missing side null)."""
    labels = [c for c in ("goal_name", "funnel_name") if c in base_cols]
    join = " and ".join(f"b.{q(g)} = h.{q(g)}" for g in grain)
    keys = ", ".join(f"coalesce(b.{q(g)}, h.{q(g)}) as {q(g)}" for g in grain)
    extra = "".join(f", coalesce(h.{q(c)}, b.{q(c)}) as {q(c)}" for c in labels)
    cols = "".join(f", b.{q(c)} as {q('before_' + c)}, h.{q(c)} as {q('after_' + c)}"
                   for c in [rate, *counts])
    cur = con.execute(f"""
        select {keys}{extra}{cols},
            h.{q(rate)} - b.{q(rate)} as rate_change
        from base.marts.{q(name)} as b
        full join head.marts.{q(name)} as h on {join}
        where b.{q(rate)} is distinct from h.{q(rate)}
            {''.join(f' or b.{q(c)} is distinct from h.{q(c)}' for c in counts)}
        order by b.{q(rate)} is null or h.{q(rate)} is null,
            abs(h.{q(rate)} - b.{q(rate)}) desc nulls last,
            {', '.join(q(g) for g in grain)}
        limit {TOP_CHANGES}
    """)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def headline(con, macro_in_both: bool) -> dict | None:
    """The headline macro rate: each macro goal's latest month in the head
    build (the base's when the head has none), before and after."""
    if not macro_in_both:
        return None
    rows = con.execute("""
        with b as (select * from base.marts.fct_macro_conversion_rates
                where period_grain = 'month'),
            h as (select * from head.marts.fct_macro_conversion_rates
                where period_grain = 'month'),
            joined as (
                select coalesce(h.goal_id, b.goal_id) as goal_id,
                    coalesce(h.goal_name, b.goal_name) as goal_name,
                    coalesce(h.period_start, b.period_start) as period_start,
                    b.conversion_rate as before_rate, h.conversion_rate as after_rate,
                    b.converting_visitors as before_converting,
                    h.converting_visitors as after_converting,
                    b.human_visitors as before_humans, h.human_visitors as after_humans
                from b full join h
                    on b.goal_id = h.goal_id and b.period_start = h.period_start)
        select * from joined
        qualify period_start = max(period_start) over (partition by goal_id)
        order by goal_id
    """)
    names = [c[0] for c in rows.description]
    return [dict(zip(names, r)) for r in rows.fetchall()]


RECON = ["raw_rows", "rejected_rows", "duplicate_rows", "bot_rows", "counted_rows"]


def reconciliation(con) -> list[tuple[str, int | None, int | None]]:
    def one(db):
        try:
            row = con.execute(f"select {', '.join(RECON)} from {db}.audit.event_reconciliation").fetchone()
        except duckdb.Error:
            return [None] * len(RECON)
        return list(row or [None] * len(RECON))
    return list(zip(RECON, one("base"), one("head")))


TRAFFIC_SQL = """
select case when event_status = 'counted' then 'human'
            else 'bot: ' || coalesce(bot_reason, 'unknown') end as reason,
       count(distinct visitor_id) as visitors, count(*) as events
from {db}.staging.stg_events__classified
where event_status in ('counted', 'bot')
group by all
"""
MOVED_SQL = """
select count(*) from (
    select distinct visitor_id from {a}.staging.stg_events__classified
    where event_status = '{a_status}'
) as a
inner join (
    select distinct visitor_id from {b}.staging.stg_events__classified
    where event_status = '{b_status}'
) as b using (visitor_id)
"""


def traffic(con) -> dict | None:
    """Visitors and events per traffic reason in each build, and the
    visitors that were human in one build and bot in the other (a visitor
    is one or the other, SPEC section 3); None when a build has no
    bot_reason (an older base)."""
    try:
        sides = {db: {r: (v, e) for r, v, e in con.execute(TRAFFIC_SQL.format(db=db)).fetchall()}
                 for db in ("base", "head")}
        to_bot, to_human = (
            con.execute(MOVED_SQL.format(a=a, b=b, a_status=s_a, b_status=s_b)).fetchone()[0]
            for a, b, s_a, s_b in (("base", "head", "counted", "bot"),
                                   ("base", "head", "bot", "counted")))
    except duckdb.Error:
        return None
    reasons = sorted(set(sides["base"]) | set(sides["head"]),
                     key=lambda r: (r != "human", r))
    rows = [(r, *sides["base"].get(r, (0, 0)), *sides["head"].get(r, (0, 0)))
            for r in reasons]
    return {"rows": rows, "human_to_bot": to_bot, "bot_to_human": to_human}


# ---------------------------------------------------------------- writing

def pct(x) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def pts(before, after) -> str:
    if before is None or after is None:
        return "-"
    return f"{100 * (after - before):+.1f} pt"


def num(x) -> str:
    return "-" if x is None else f"{x:,}"


def arrow(before, after, fmt=num) -> str:
    return fmt(before) if before == after else f"{fmt(before)} -> {fmt(after)}"


def row_label(d: MartDiff, r: dict) -> str:
    name = r.get("goal_name") or r.get("funnel_name") or ""
    keys = [f"{g} {r[g]}" for g in d.grain
            if g not in ("goal_id", "funnel_id") or not name]
    return f"{name} ({', '.join(keys)})" if name else ", ".join(keys)


def build_review(defs, marts, recon, head_rates, base_label,
                 visitors=None) -> tuple[str, dict]:
    n_defs = sum(len(v) for v in defs.values())
    changed_marts = [m for m in marts if m.differs]
    lines = [f"## Definition review against `{base_label}`", ""]
    # The headline macro rate, on top.
    if head_rates:
        # Macro goals that match the same events (one event name, in several
        # funnels) have the same rate: one line names them all.
        same: dict[tuple, list[str]] = {}
        for h in head_rates:
            same.setdefault(tuple(v for k, v in h.items()
                                  if k not in ("goal_id", "goal_name")),
                            []).append(h["goal_name"])
        for h in head_rates:
            names = same.pop(tuple(v for k, v in h.items()
                                   if k not in ("goal_id", "goal_name")), None)
            if names is None:
                continue
            lines.append(
                f"**Headline macro rate** ({'; '.join(names)}, month of "
                f"{h['period_start']}): {arrow(h['before_rate'], h['after_rate'], pct)}"
                + (f" ({pts(h['before_rate'], h['after_rate'])})"
                   if h['before_rate'] != h['after_rate'] else " (unchanged)")
                + f"; converting visitors {arrow(h['before_converting'], h['after_converting'])}"
                f" of {arrow(h['before_humans'], h['after_humans'])}")
    else:
        lines.append("**Headline macro rate**: fct_macro_conversion_rates is not "
                     "in both builds.")
    summary = (f"{n_defs} definition change{'s' if n_defs != 1 else ''}; "
               + (f"{len(changed_marts)} of {len(marts)} marts changed"
                  if changed_marts else "no mart changes"))
    lines += ["", f"_{summary}._", "", "### Definition changes", ""]
    if n_defs:
        for group, title in (("seeds", "Seeds"), ("vars", "dbt vars"),
                             ("files", "Model, macro and test files")):
            if defs[group]:
                lines.append(f"{title}:")
                lines.append("")
                lines += [f"- {s}" for s in defs[group]]
                lines.append("")
    else:
        lines += ["No definition change: seeds, dbt vars, models, macros and "
                  "tests are the same.", ""]
    lines += ["### Marts", ""]
    if not changed_marts:
        lines += ["No mart changes: every mart holds the same rows on its grain.", ""]
    else:
        lines += ["| mart | grain | rows before -> after | added | removed | changed | changed columns |",
                  "|---|---|---|---:|---:|---:|---|"]
        for m in changed_marts:
            cols = ", ".join(f"{c} ({n})" for c, n in
                             sorted(m.changed_columns.items(), key=lambda x: -x[1]))
            extra = "; ".join(filter(None, [
                m.note,
                m.only_base_columns and "columns only before: " + ", ".join(m.only_base_columns),
                m.only_head_columns and "columns only after: " + ", ".join(m.only_head_columns)]))
            lines.append(
                f"| {m.name} | {', '.join(m.grain) or '-'} | "
                f"{arrow(m.base_rows, m.head_rows)} | {m.added} | {m.removed} | "
                f"{m.changed} | {'; '.join(filter(None, [cols, extra])) or '-'} |")
        unchanged = [m.name for m in marts if not m.differs]
        if unchanged:
            lines += ["", "Unchanged: " + ", ".join(unchanged) + "."]
        lines.append("")
        for m in changed_marts:
            if not m.top:
                continue
            counts = [c for c in RATE_COLUMNS[m.rate_column] if c and f"before_{c}" in m.top[0]]
            lines += [f"#### {m.name}: largest changes of {m.rate_column}", "",
                      "| row | rate before -> after | change | "
                      + " | ".join(f"{c} before -> after" for c in counts) + " |",
                      "|---|---|---:|" + "---|" * len(counts)]
            for r in m.top:
                lines.append(
                    f"| {row_label(m, r)} | "
                    f"{arrow(r['before_' + m.rate_column], r['after_' + m.rate_column], pct)} | "
                    f"{pts(r['before_' + m.rate_column], r['after_' + m.rate_column])} | "
                    + " | ".join(arrow(r['before_' + c], r['after_' + c]) for c in counts)
                    + " |")
            lines.append("")
    lines += ["### Reconciliation (audit.event_reconciliation)", "",
              "| rows | before | after | change |", "|---|---:|---:|---:|"]
    for name, b, a in recon:
        change = "-" if b is None or a is None else f"{a - b:+,}"
        lines.append(f"| {name} | {num(b)} | {num(a)} | {change} |")
    moved = dict((n, (b, a)) for n, b, a in recon)
    bot_b, bot_a = moved["bot_rows"]
    if bot_b is not None and bot_a is not None and bot_b != bot_a:
        direction = "from counted to bot" if bot_a > bot_b else "from bot to counted"
        lines += ["", f"{abs(bot_a - bot_b):,} rows moved {direction}."]
    elif bot_b is not None and bot_a is not None:
        lines += ["", "No row moved between counted and bot."]
    if visitors:
        lines += ["", "### Visitors by traffic class", "",
                  "| class: reason | visitors before -> after | change "
                  "| events before -> after | change |",
                  "|---|---|---:|---|---:|"]
        for reason, v_b, e_b, v_a, e_a in visitors["rows"]:
            lines.append(f"| {reason} | {arrow(v_b, v_a)} | {v_a - v_b:+,} "
                         f"| {arrow(e_b, e_a)} | {e_a - e_b:+,} |")
        moves = [f"{n:,} visitor{'s' if n != 1 else ''} moved from {a} to {b}"
                 for n, a, b in ((visitors["human_to_bot"], "human", "bot"),
                                 (visitors["bot_to_human"], "bot", "human")) if n]
        lines += ["", ("; ".join(moves) if moves
                       else "No visitor moved between human and bot") + "."]
    figures = {
        "summary": summary,
        "definition_changes": defs,
        "marts": [m.__dict__ | {"top": None} for m in marts],
        "headline": head_rates,
        "reconciliation": recon,
        "visitors": visitors,
    }
    return "\n".join(lines) + "\n", figures


CSS = """
body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.2em}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f3f3f3}td.n{text-align:right}code{background:#f3f3f3;padding:0 3px}
h2{border-bottom:2px solid #333}h3{margin-top:1.6em}.up{fill:#2a7d2a}.down{fill:#b33}
"""


def md_inline(text: str) -> str:
    """Markdown's inline marks used here (**, _, `) as HTML, escaped."""
    import re
    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"`(.+?)`", r"<code>\1</code>", text)
    return re.sub(r"^_(.+)_$", r"<i>\1</i>", text)


def md_to_html(md: str) -> str:
    """The review's own Markdown (headings, lists, tables, paragraphs) as
    HTML: enough for what build_review writes, nothing more."""
    out, in_list, table = [], False, []

    def flush_table():
        if table:
            head, body = table[0], table[2:]
            out.append("<table><tr>" + "".join(f"<th>{md_inline(c)}</th>" for c in head) + "</tr>")
            for r in body:
                out.append("<tr>" + "".join(
                    f"<td{' class=n' if c.strip()[:1] in '+-0123456789' and c.strip() else ''}>"
                    f"{md_inline(c)}</td>" for c in r) + "</tr>")
            out.append("</table>")
            table.clear()

    for line in md.splitlines():
        if line.startswith("|"):
            table.append([c.strip() for c in line.strip().strip("|").split("|")])
            continue
        flush_table()
        if line.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{md_inline(line[2:])}</li>")
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{md_inline(line[level:].strip())}</h{level}>")
        elif line.strip():
            out.append(f"<p>{md_inline(line)}</p>")
    flush_table()
    if in_list:
        out.append("</ul>")
    return "\n".join(out)


def svg_chart(marts: list[MartDiff]) -> str:
    """One horizontal bar per largest rate change of the goal rates and
    the funnel steps, in percentage points."""
    bars = []
    for m in marts:
        if m.name not in CHART_MARTS:
            continue
        for r in m.top:
            b, a = r["before_" + m.rate_column], r["after_" + m.rate_column]
            if b is not None and a is not None and a != b:
                name = r.get("goal_name") or ""
                keys = " ".join(f"step {r[g]}" if g == "step_order" else str(r[g])
                                for g in m.grain if g not in ("goal_id", "funnel_id"))
                bars.append((f"{CHART_MARTS[m.name]}: {name} {keys}", 100 * (a - b)))
    bars = sorted(bars, key=lambda x: -abs(x[1]))[:15]
    if not bars:
        return "<p>No rate changed.</p>"
    width, label_w, row_h = 1000, 480, 22
    half = (width - label_w) / 2 - 60
    top = max(abs(v) for _, v in bars) or 1
    mid = label_w + 60 + half
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{row_h * len(bars) + 10}" role="img" '
             f'aria-label="largest rate changes, percentage points">',
             f'<line x1="{mid}" x2="{mid}" y1="0" y2="{row_h * len(bars)}" stroke="#888"/>']
    for i, (label, v) in enumerate(bars):
        y = i * row_h + 4
        w = abs(v) / top * half
        x = mid if v >= 0 else mid - w
        parts.append(f'<text x="{label_w}" y="{y + 13}" text-anchor="end" '
                     f'font-size="12">{html.escape(label[:80])}</text>')
        parts.append(f'<rect class="{"up" if v >= 0 else "down"}" x="{x:.1f}" '
                     f'y="{y}" width="{max(w, 1):.1f}" height="{row_h - 6}"/>')
        tx = x + w + 4 if v >= 0 else x - 4
        parts.append(f'<text x="{tx:.1f}" y="{y + 13}" font-size="12" '
                     f'text-anchor="{"start" if v >= 0 else "end"}">{v:+.1f} pt</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def write_html(path: Path, md: str, marts: list[MartDiff]) -> None:
    body = md_to_html(md)
    chart = ("<h3>Largest rate changes: goal rates and funnel reach "
             "(percentage points)</h3>\n" + svg_chart(marts))
    # The chart goes after the headline paragraphs, before the details.
    marker = "<h3>Definition changes</h3>"
    body = body.replace(marker, chart + "\n" + marker, 1)
    path.write_text(
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        "<title>Definition review</title>"
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">"
        f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n",
        encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) not in (7, 8):
        print(__doc__, file=sys.stderr)
        return 2
    base_tree, head_tree, base_db, head_db, base_man, head_man, out_dir = map(Path, argv[:7])
    base_label = argv[7] if len(argv) == 8 else str(base_tree)
    defs = definition_changes(base_tree, head_tree)
    base_grains, head_grains = mart_grains(base_man), mart_grains(head_man)
    con = duckdb.connect()
    con.execute(f"attach {lit(base_db)} as base (read_only)")
    con.execute(f"attach {lit(head_db)} as head (read_only)")
    marts = [compare_mart(con, name, head_grains.get(name) or base_grains.get(name) or [])
             for name in sorted(set(base_grains) | set(head_grains))]
    macro = "fct_macro_conversion_rates"
    rates = headline(con, macro in base_grains and macro in head_grains)
    recon = reconciliation(con)
    visitors = traffic(con)
    con.close()
    md, figures = build_review(defs, marts, recon, rates, base_label, visitors)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "review.md").write_text(md, encoding="utf-8")
    write_html(out_dir / "review.html", md, marts)
    (out_dir / "review.json").write_text(json.dumps(figures, default=str, indent=1))
    print(md.splitlines()[2])
    print(f"review: {figures['summary']}")
    print(f"review: {out_dir / 'review.md'}")
    print(f"review: {out_dir / 'review.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
