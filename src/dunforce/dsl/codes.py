"""The catalogue of diagnostic codes: every error and warning the language front end can give.

A code is stable: tools filter on it and the documentation's error catalogue is generated from
this table and the golden fixtures, so a new code without an entry here fails the tests.
"""

from __future__ import annotations

from types import MappingProxyType

import attrs

SYNTAX, CHECK, LINT = "syntax", "check", "lint"


@attrs.frozen
class Code:
    name: str
    stage: str  # syntax (the file does not parse), check (it does not type), lint (a warning)
    summary: str


_CODES = (
    # ----- reading the file
    Code("file-too-large", SYNTAX, "The file is larger than the limit (1 MB by default)."),
    Code("not-utf8", SYNTAX, "The file is not UTF-8 text (an export saved as latin-1, say)."),
    # ----- syntax
    Code("missing-at", SYNTAX, "An offset such as D+2 follows an action without `at`."),
    Code("offset-anchor", SYNTAX, "An offset lacks its anchor: `at +2` instead of `at D+2`."),
    Code("bad-offset", SYNTAX, "An offset is not an anchor, a sign and a whole number."),
    Code("unknown-unit", SYNTAX, "An offset or a repeat has a unit other than d, bd, w or m."),
    Code("single-equals", SYNTAX, "`=` was written where `==` compares two values."),
    Code("single-quote", SYNTAX, "A text is written between single quotes."),
    Code("bad-operator", SYNTAX, "`!`, `&` or `|` where the language says not, and, or."),
    Code("missing-operator", SYNTAX, "Two values side by side with no operator between them."),
    Code("chained-comparison", SYNTAX, "Comparisons chained as in `1 < x < 5`."),
    Code("missing-then", SYNTAX, "A one-line rule lacks `then` between condition and actions."),
    Code("missing-colon", SYNTAX, "A profile, scenario, event or attribute header lacks `:`."),
    Code("unclosed-string", SYNTAX, "A text in double quotes is not closed on its line."),
    Code("unclosed-bracket", SYNTAX, "A `(` or `[` is never closed."),
    Code("bad-indentation", SYNTAX, "A line is indented where no block is open, or not enough."),
    Code("missing-timing", SYNTAX, "A step says what to do but not when (`at` or `every`)."),
    Code("uppercase-name", SYNTAX, "A name has capital letters; names are lower case."),
    Code("bad-character", SYNTAX, "A character that has no place in the language."),
    Code("misplaced-keyword", SYNTAX, "A keyword out of place: `if` before the timing of a step."),
    Code("reserved-word", SYNTAX, "A keyword of the language is used as a name."),
    Code("bad-literal", SYNTAX, "A date that does not exist, money below the cent, a huge number."),
    Code("bad-repeat", SYNTAX, "A repeat interval of zero."),
    Code("bad-day", SYNTAX, "A contact window names a day other than mon, tue, … sun."),
    Code("bad-time", SYNTAX, "A time of day that does not exist, such as 25:00 or 08:75."),
    Code("too-long", SYNTAX, "A declaration too long to be a real condition."),
    Code("too-deep", SYNTAX, "An expression nested too deeply to be a real condition."),
    Code("unexpected-end", SYNTAX, "A line or the file ends before its declaration is complete."),
    Code("syntax", SYNTAX, "Any other syntax error; the hint says what was expected."),
    # ----- checks
    Code("unknown-name", CHECK, "A name that is no attribute, derived attribute or profile."),
    Code("unknown-type", CHECK, "An attribute declared with a type that does not exist."),
    Code("unknown-value", CHECK, "A text compared with a value outside the attribute's set."),
    Code("unknown-function", CHECK, "A call to a function the language does not have."),
    Code("unknown-channel", CHECK, "An action on a channel the registry does not know."),
    Code("unknown-option", CHECK, "An option the channel does not take (`letter registred`)."),
    Code("unknown-event", CHECK, "An `on` block for an event kind the schema does not know."),
    Code("unknown-profile", CHECK, "A `for` list names a profile that is not declared."),
    Code("missing-template", CHECK, "A free `task` with no template saying what to do."),
    Code("wrong-verb", CHECK, "A channel written without, or with the wrong, verb."),
    Code("wrong-anchor", CHECK, "D used in an `on` block, or E outside one."),
    Code("type-mismatch", CHECK, "Values of types that do not go together (money and a number)."),
    Code("not-a-condition", CHECK, "A condition that is not true or false (`profile p: debt`)."),
    Code("bad-call", CHECK, "A function called with the wrong number of arguments."),
    Code("unguarded-optional", CHECK, "An optional attribute used without `is set` before it."),
    Code("duplicate-name", CHECK, "A name declared twice, or clashing with the catalogue."),
    Code("bad-window", CHECK, "A contact window whose days or hours run backwards or overlap."),
    Code("bad-cap", CHECK, "A frequency cap of 0, in months, or of a fraction of an action."),
    Code("unknown-guard", CHECK, "`no guard` names a legal guard that does not exist."),
    Code("unknown-pause", CHECK, "`no pause while` names a pause the default policy lacks."),
    Code("bad-timezone", CHECK, "A policy's time zone is not an IANA name (Europe/Paris)."),
    Code("profile-order", CHECK, "A profile condition uses a profile declared after it."),
    # ----- lints (warnings)
    Code("shadowed-profile", LINT, "A profile that earlier profiles always match first."),
    Code("no-otherwise", LINT, "No `otherwise` profile: some accounts may get no scenario."),
    Code("unbound-scenario", LINT, "A scenario with no `for` list, which never runs."),
    Code("profile-without-scenario", LINT, "A profile no scenario, event block or rule uses."),
    Code("step-order", LINT, "Steps of a block not listed in time order."),
    Code("never-fires", LINT, "A condition or repeat that can never be true."),
    Code("legal-without-debt", LINT, "A legal step that may reach a tenant who owes nothing."),
    Code("always-set", LINT, "`is set` on an attribute every account has."),
)

CODES = MappingProxyType({code.name: code for code in _CODES})
