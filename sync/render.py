"""Showing a plan to a person: counts per change type first, then a readable diff of each
record (field before → after with the rule and its reason, tags added and removed), paged in a
terminal. Rendering is separate from the plan itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sync.plan import Plan, RecordChange


def summary_table(plan: Plan) -> Table:
    table = Table(title=f"plan for job {plan.job!r} on {plan.crm}", show_header=True)
    table.add_column("change")
    table.add_column("count", justify="right")
    for name, count in plan.summary().items():
        table.add_row(name, str(count))
    return table


def _value(value: Any) -> str:
    if value is None or value == "":
        return "∅"
    if isinstance(value, list):
        return "{" + ", ".join(map(str, value)) + "}"
    return repr(value) if isinstance(value, str) else str(value)


def record_lines(change: RecordChange) -> Iterator[str]:
    yield (
        f"[bold]{change.object_name} {escape(change.record_id)}[/bold] "
        f"[dim](as of {change.updated_at})[/dim]"
    )
    for f in change.fields:
        yield (
            f"  {escape(f.native_field)}: {escape(_value(f.before))} → "
            f"[green]{escape(_value(f.after))}[/green]  [dim]{escape(f.rule)}: "
            f"{escape(f.reason)}[/dim]"
        )
    for t in change.tags_add:
        why = f"{escape(t.rule)}: {escape(t.reason)}"
        yield f"  [green]+ tag {escape(t.tag)}[/green]  [dim]{why}[/dim]"
    for t in change.tags_remove:
        yield f"  [red]- tag {escape(t.tag)}[/red]  [dim]{escape(t.reason)}[/dim]"


def show_plan(plan: Plan, console: Console, *, limit: int | None = None, page: bool = True) -> None:
    """Print the summary and the diff (the first ``limit`` records), through a pager when
    the terminal is interactive and the plan long."""
    console.print(summary_table(plan))
    problems = plan.problems if limit is None else plan.problems[:limit]
    lines = [f"[yellow]problem:[/yellow] {escape(problem)}" for problem in problems]
    if len(plan.problems) > len(problems):
        lines.append(
            f"[dim]… and {len(plan.problems) - len(problems)} more problems (--out for all)[/dim]"
        )
    if plan.empty:
        lines.append("Nothing to do: the CRM already holds what the rules want.")
        _print(lines, console, page)
        return
    shown = plan.changes if limit is None else plan.changes[:limit]
    lines += [line for change in shown for line in record_lines(change)]
    for task in plan.tasks[: limit or len(plan.tasks)]:
        lines.append(
            f"[bold]task[/bold] {escape(task.subject)} for {task.related_object} "
            f"{escape(task.related_id)}, due {task.due}  [dim]{escape(task.reason)}[/dim]"
        )
    rest = len(plan.changes) - len(shown)
    if rest > 0:
        lines.append(f"[dim]… and {rest} more records (--limit to see more, --out for all)[/dim]")
    _print(lines, console, page)


def _print(lines: list[str], console: Console, page: bool) -> None:
    """Through a pager when the terminal is interactive and the lines do not fit."""
    if page and console.is_terminal and len(lines) > console.height:
        with console.pager(styles=True):
            for line in lines:
                console.print(line, highlight=False)
    else:
        for line in lines:
            console.print(line, highlight=False)
