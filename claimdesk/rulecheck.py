"""``claimdesk rules check``: is a rules file valid, and does every rule do what its examples say?

Loading validates the schema and compiles every pattern (errors name the rule
and field). Then each rule's examples are tagged one sentence at a time:
- an example under ``fires`` must fire the rule, one under ``ignores`` must not;
- a rule with no example that fires it is reported as never firing;
- a rule that fires on its examples but never decides any of them, because a
  rule of higher precedence always fires too, is reported as shadowed;
- the ``grouping`` section's ``join`` pairs must make one claim, its ``apart`` pairs must not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from claimdesk.grouping import example_errors, grouping_of
from claimdesk.rules import RulesError, RuleSet, load_rules
from claimdesk.scan import unscanned_phrases
from claimdesk.tag import tag_one
from claimdesk.wording import plural


@dataclass
class CheckReport:
    path: str
    rules: int = 0
    examples: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        out = [f"error: {e}" for e in self.errors] + [f"warning: {w}" for w in self.warnings]
        verdict = "OK" if self.ok else "FAILED"
        out.append(
            f"{verdict}: {self.path}: {plural(self.rules, 'rule')}, {plural(self.examples, 'example')}, "
            f"{plural(len(self.errors), 'error')}, {plural(len(self.warnings), 'warning')}"
        )
        return out


def check_examples(rules: RuleSet, report: CheckReport) -> None:
    for rule in rules.rules:
        where = f"rule {rule.id!r}"
        decided = 0
        for sentence in rule.fires:
            report.examples += 1
            verdict = tag_one(sentence, rules)
            if rule.id not in verdict.fired:
                report.errors.append(f"{where}, examples.fires: does not fire on {sentence!r}")
            elif verdict.decided_by == rule.id:
                decided += 1
        for sentence in rule.ignores:
            report.examples += 1
            if rule.id in tag_one(sentence, rules).fired:
                report.errors.append(f"{where}, examples.ignores: fires on {sentence!r}")
        if slow := unscanned_phrases(rule.phrases):
            report.warnings.append(
                f"{where}, phrases: {', '.join(map(repr, slow))} cannot join the one-pass scan (only "
                "lower-case printable ASCII and single spaces can), so the rule's phrases run on every "
                "sentence: write such a form in regex"
            )
        if not rule.fires:
            report.warnings.append(f"{where}: never fires (no examples.fires sentence)")
        elif rule.status and decided == 0 and not any(e.startswith(where) for e in report.errors):
            report.warnings.append(
                f"{where}: shadowed: fires on its examples but another rule always decides"
            )


def check_rules(path: str | Path | None = None) -> CheckReport:
    """Validate, compile and exercise a rules file (the shipped one when ``path`` is None)."""
    report = CheckReport(str(path) if path else "default rules")
    try:
        rules = load_rules(path)
    except RulesError as exc:
        report.errors.append(str(exc))
        return report
    report.path = rules.path
    report.rules = len(rules.rules)
    check_examples(rules, report)
    pairs, errors = example_errors(grouping_of(rules))  # the grouping section's join/apart pairs
    report.examples += pairs
    report.errors += errors
    return report
