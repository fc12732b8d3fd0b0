"""The statistics of duplicate detection, on Splink (Fellegi-Sunter, DuckDB backend).

Candidate pairs come from blocking on the CRM keys of :mod:`sync.hygiene.matching` (same
e-mail, same E.164 phone, same first-name form and last name, names swapped, last name and
postcode…). Each pair is compared field by field. A base large enough to learn from trains
its own model without labels: u probabilities by random sampling, m probabilities by
expectation maximisation on pairs that are mostly true matches (same e-mail, same mobile;
in a base without either, same identifier or birth date). A small base, or a training
session with no pairs, keeps the shipped priors: hand-set values informed by a model
trained on the sandbox generator's data.

On top of the statistics, one CRM rule the model cannot know (:func:`_name_gate`): colleagues
share a company's phone, address and e-mail domain, relatives a home's, so two contacts are
only linked when their names agree, or when what they share is personal (e-mail, phone,
birth date, identifier) and not only what colleagues or relatives share.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import pandas as pd
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.internals.exceptions import EMTrainingException

from sync.hygiene.emails import KNOWN_EMAIL_DOMAINS
from sync.hygiene.matching import CONTACT_BLOCKS, first_name_forms_table

#: Fewer records than this keep the priors instead of training (EM needs pairs).
TRAIN_MIN_RECORDS = 5_000
#: How many random pairs estimate how often fields agree by chance: three per record, at
#: least the first and at most the second (the sample costs as much to compare whatever
#: the size of the base, and is most of the time a small base takes).
U_SAMPLE_PAIRS = (300_000, 1_000_000)
#: How much memory DuckDB may take before it spills to disk.
DUCKDB_MEMORY = "2GB"
#: EM iterations per training session (it converges in a handful on CRM data).
EM_ITERATIONS = 10
#: Training sessions of EM, each on a rule's pairs with at least this many pairs.
EM_SESSIONS = 2
EM_MIN_PAIRS = 200
#: No level is certain: the smallest m or u probability a trained model keeps (a level EM
#: saw no pair at, or that never disagreed in the training pairs, would otherwise veto or
#: force a match on its own).
PROBABILITY_FLOOR = 1e-3
U_FLOOR = 1e-7

Level = tuple[str, str, float, float]  # SQL condition, label, prior m, prior u


def _comparison(column: str, null_sql: str, levels: Sequence[Level]) -> dict[str, Any]:
    spec = [{"sql_condition": null_sql, "label_for_charts": "null", "is_null_level": True}]
    spec += [
        {"sql_condition": sql, "label_for_charts": label, "m_probability": m, "u_probability": u}
        for sql, label, m, u in levels
    ]
    return {"output_column_name": column, "comparison_levels": spec}


def _null(*columns: str) -> str:
    sides = [" AND ".join(f'"{c}_{side}" IS NULL' for c in columns) for side in "lr"]
    return f"({sides[0]}) OR ({sides[1]})"


def _exact(column: str, m: float, u: float) -> Level:
    return (f'"{column}_l" = "{column}_r"', "exact", m, u)


def _similar(column: str, threshold: float, m: float, u: float) -> Level:
    sql = f'jaro_winkler_similarity("{column}_l", "{column}_r") >= {threshold}'
    return (sql, f"Jaro-Winkler >= {threshold}", m, u)


def _else(m: float) -> Level:
    return ("ELSE", "all other", m, 1.0)


def _typo(column: str, jaro_winkler: float, other: str | None = None) -> str:
    """``column`` of the left record and ``other`` (default: the same column) of the right
    one equal but for a typo."""
    left, right = f'"{column}_l"', f'"{other or column}_r"'
    return (
        f"(jaro_winkler_similarity({left}, {right}) >= {jaro_winkler} OR {_one_edit(left, right)})"
    )


def _one_edit(left: str, right: str) -> str:
    """Damerau-Levenshtein distance at most 1, computed only where it can be (a swap of two
    letters keeps the length): DuckDB's Damerau-Levenshtein is ten times slower than its
    Levenshtein."""
    return (
        f"(levenshtein({left}, {right}) <= 1 "
        f"OR (length({left}) = length({right}) AND damerau_levenshtein({left}, {right}) = 1))"
    )


_SAME_FIRST = (
    '("first_l" = "first_r" OR list_has_any("first_whole_l", "first_forms_r") '
    'OR list_has_any("first_forms_l", "first_whole_r"))'
)
_NO_FIRST = '("first_l" IS NULL OR "first_r" IS NULL)'
_NO_LAST = '("last_l" IS NULL OR "last_r" IS NULL)'
_SAME_LAST = '"last_l" = "last_r"'
_ONE_SURNAME = (
    '(starts_with("last_l", "last_r" || \' \') OR starts_with("last_r", "last_l" || \' \'))'
)

#: The same mailbox at another domain, unless the mailbox is made of the surname
#: (``maria.garcia@`` at two providers is as likely two namesakes as one person: the names
#: already said that much).
_SAME_MAILBOX = (
    '"email_user_l" = "email_user_r" AND NOT coalesce('
    'contains("email_user_l", "last_first_word_l") '
    'OR contains("email_user_l", "last_first_word_r"), FALSE)'
)

Strength = Literal["alone", "with_contact", "relatives"]

#: Levels of agreement between two people's names, best first: SQL, label, prior m and u,
#: and when two contacts may be linked at that level: on the name and the rest ("alone"),
#: only if they also share a personal e-mail, phone, birth date or identifier
#: ("with_contact"), or as relatives (see :func:`_name_gate`). (The cheap test of a level
#: comes first: DuckDB only evaluates the rest on the pairs that pass it.)
NAME_LEVELS: tuple[tuple[Level, Strength], ...] = (
    (('"full_name_l" = "full_name_r"', "exact (accents, case, spacing)", 0.45, 2e-5), "alone"),
    (
        ('"first_l" = "last_r" AND "last_l" = "first_r"', "first and last swapped", 0.05, 1e-7),
        "alone",
    ),
    ((f"{_SAME_LAST} AND {_SAME_FIRST}", "nickname or name variant", 0.08, 2e-6), "alone"),
    ((f"{_SAME_LAST} AND {_typo('first', 0.88)}", "first name typo", 0.1, 2e-6), "alone"),
    ((f"{_SAME_FIRST} AND {_typo('last', 0.92)}", "last name typo", 0.15, 1e-5), "alone"),
    (
        (f"{_SAME_LAST} AND {_NO_FIRST}", "same last name, a first name missing", 0.03, 5e-5),
        "with_contact",
    ),
    (
        (
            f"{_NO_FIRST} AND {_typo('last', 0.92)}",
            "last name typo, a first name missing",
            0.01,
            3e-5,
        ),
        "with_contact",
    ),
    (
        (f"{_ONE_SURNAME} AND {_SAME_FIRST}", "one of two surnames missing", 0.03, 2e-5),
        "with_contact",
    ),
    (
        (f"{_typo('first', 0.9)} AND {_typo('last', 0.92)}", "typos in both names", 0.01, 5e-7),
        "with_contact",
    ),
    (
        (
            f"{_typo('first', 0.9, 'last')} AND {_typo('last', 0.9, 'first')}",
            "first and last swapped, with typos",
            0.01,
            2e-7,
        ),
        "with_contact",
    ),
    (
        (
            '("first_l" = "last_r" OR "last_l" = "first_r")',
            "one name in the other's place",
            0.01,
            1e-5,
        ),
        "with_contact",
    ),
    (
        (
            f"{_SAME_FIRST} OR ({_NO_LAST} AND {_typo('first', 0.88)})",
            "same first name only",
            0.03,
            4e-3,
        ),
        "with_contact",
    ),
    (
        (f"({_SAME_LAST} OR {_typo('last', 0.92)})", "same last name only", 0.02, 1.3e-3),
        "relatives",
    ),
)


def _name_comparison() -> dict[str, Any]:
    spec = _comparison(
        "name",
        '("first_l" IS NULL AND "last_l" IS NULL) OR ("first_r" IS NULL AND "last_r" IS NULL)',
        [level for level, _ in NAME_LEVELS] + [_else(0.06)],
    )
    exact = spec["comparison_levels"][1]
    exact["tf_adjustment_column"] = "full_name"  # "José García" says less than "Íñigo Etxeberria"
    exact["tf_adjustment_weight"] = 1.0
    return spec


#: Two different mailboxes at one company's domain (not a mailbox provider's) are two people.
_PROVIDERS = ", ".join(f"'{domain}'" for domain in sorted(KNOWN_EMAIL_DOMAINS))
_COLLEAGUE_MAILBOXES = (
    '("email_l" <> "email_r" '
    """AND split_part("email_l", '@', 2) = split_part("email_r", '@', 2) """
    f"""AND split_part("email_l", '@', 2) NOT IN ({_PROVIDERS}))"""
)


def _name_gate(identifiers: Sequence[str]) -> Callable[[set[str]], str]:
    """The SQL over the prediction's ``gamma_*`` columns (Splink numbers a comparison's
    levels from "all other" = 0 upwards, null = -1) that a linked pair of contacts must pass,
    given the columns the prediction has. Colleagues share a company's phone, address and
    e-mail domain, relatives a home's phone, address and last name, so a pair is linked:

    - on names that agree well;
    - on names that agree weakly (or are missing) and one shared personal key (e-mail,
      phone, birth date, identifier at most one typo apart);
    - whatever the names (typed past recognition), on two shared personal keys; relatives
      (same last name, another first name) on two keys a household does not share (no
      phone);
    - on the same identifier;
    - on the same birth date at the same address (street and postcode or city) when no
      e-mail or phone on both records disagrees (twins living together with no e-mail or
      phone on file are the cost);

    but never on two different mailboxes at one company's e-mail domain alone (namesakes
    among colleagues): that needs a shared phone, birth date or identifier."""
    top = len(NAME_LEVELS)

    def levels(strength: Strength) -> str:
        return ", ".join(str(top - i) for i, (_, s) in enumerate(NAME_LEVELS) if s == strength)

    evidence = {"gamma_email": 2, "gamma_phone": 1, "gamma_birth_date": 1}
    evidence.update({f"gamma_id_{name}": 1 for name in identifiers})

    def gate(columns: set[str]) -> str:
        if "gamma_name" not in columns:
            return "TRUE"
        kept = {c: level for c, level in evidence.items() if c in columns}

        def count(names: Sequence[str]) -> str:
            return " + ".join(f'CAST("{c}" >= {kept[c]} AS INT)' for c in names) or "0"

        shared = count(list(kept))
        unshared = count([c for c in kept if c != "gamma_phone"])
        ids = [f'"{c}" = 2' for c in kept if c.startswith("gamma_id_")]
        places = ("gamma_birth_date", "gamma_street", "gamma_place")
        home = [f'"{c}" >= 1' for c in places]
        home += [f'"{c}" <> 0' for c in ("gamma_email", "gamma_phone") if c in columns]
        same_home = " AND ".join(home) if set(places) <= columns else "FALSE"
        linked = (
            f"gamma_name IN ({levels('alone')}) "
            f"OR (gamma_name IN (-1, {levels('with_contact')}) AND {shared} >= 1) "
            f"OR (gamma_name NOT IN ({levels('relatives')}) AND {shared} >= 2) "
            f"OR (gamma_name IN ({levels('relatives')}) AND {unshared} >= 2) "
            f"OR {' OR '.join(ids) or 'FALSE'} "
            f"OR ({same_home})"
        )
        if not {"email_l", "email_r"} <= columns:
            return linked
        others = count([c for c in kept if c != "gamma_email"])
        return f"({linked}) AND NOT coalesce({_COLLEAGUE_MAILBOXES} AND {others} = 0, FALSE)"

    return gate


def _phones(count: int, m: float, u: float) -> dict[str, Any]:
    names = [f"phone_{i}" for i in range(1, count + 1)]
    agree = " OR ".join(f'"{a}_l" = "{b}_r"' for a in names for b in names)
    return _comparison("phone", _null(*names), [(agree, "same E.164 number", m, u), _else(1 - m)])


def _place() -> dict[str, Any]:
    return _comparison(
        "place",
        _null("zip", "city"),
        [
            ('"zip_l" = "zip_r"', "same postcode", 0.7, 6e-4),
            ('"city_l" = "city_r"', "same city", 0.2, 1.4e-2),
            _else(0.1),
        ],
    )


def _street() -> dict[str, Any]:
    return _comparison(
        "street",
        _null("street"),
        [_exact("street", 0.85, 1.4e-4), _similar("street", 0.92, 0.05, 9e-4), _else(0.1)],
    )


def _identifier(column: str) -> dict[str, Any]:
    """An identifier (tax id, customer number): the same, one typo apart, or not. Two
    people share one only by mistake, so the u of "the same" is not learnt: random pairs
    of a base with many duplicates share identifiers because they are duplicates."""
    spec = _comparison(
        column,
        _null(column),
        [
            _exact(column, 0.95, 1e-6),
            (_one_edit(f'"{column}_l"', f'"{column}_r"'), "one typo", 0.04, 1e-5),
            _else(0.01),
        ],
    )
    spec["comparison_levels"][1]["fix_u_probability"] = True
    return spec


@dataclass(frozen=True)
class Model:
    """A Splink model with its priors and how it learns: which pairs are compared
    (``blocking``), how (``comparisons``), the deterministic rules that estimate how many
    pairs match, the blocking rules whose pairs EM learns m probabilities from, and the SQL
    over the prediction's ``gamma_*`` columns that a linked pair must also pass."""

    comparisons: tuple[dict[str, Any], ...]
    blocking: tuple[str, ...]
    deterministic_rules: tuple[str, ...]
    em_rules: tuple[str, ...]
    gate: Callable[[set[str]], str] | None = None
    recall: float = 0.7

    def settings(self, prior: float) -> SettingsCreator:
        return SettingsCreator(
            link_type="dedupe_only",
            unique_id_column_name="unique_id",
            probability_two_random_records_match=prior,
            comparisons=list(self.comparisons),
            blocking_rules_to_generate_predictions=list(self.blocking),  # type: ignore[arg-type]
            retain_matching_columns=True,
            retain_intermediate_calculation_columns=True,
            max_iterations=EM_ITERATIONS,
        )


def contact_model(identifiers: Sequence[str] = ()) -> Model:
    """Contacts: names (with nicknames, swaps and typos), e-mail, E.164 phones, birth date,
    place, street, company, and any identifier fields (tax id, customer number)."""
    id_columns = [f"id_{name}" for name in identifiers]
    return Model(
        comparisons=(
            _name_comparison(),
            _comparison(
                "email",
                _null("email"),
                [
                    _exact("email", 0.7, 1e-6),
                    (_SAME_MAILBOX, "same mailbox, other domain", 0.05, 3e-5),
                    _else(0.25),
                ],
            ),
            _phones(2, 0.9, 3e-6),
            _comparison(
                "birth_date", _null("birth_date"), [_exact("birth_date", 0.95, 5e-5), _else(0.05)]
            ),
            _place(),
            _street(),
            _comparison(
                "company",
                _null("company"),
                [
                    _exact("company", 0.8, 1e-3),
                    _similar("company", 0.92, 0.05, 2e-4),
                    _else(0.15),
                ],
            ),
            *(_identifier(c) for c in id_columns),
        ),
        blocking=(
            'l."email" = r."email"',
            *(f'l."phone_{a}" = r."phone_{b}"' for a in (1, 2) for b in (1, 2)),
            *(f'l."{key}" = r."{key}"' for key in CONTACT_BLOCKS),
            'l."first" = r."last" AND l."last" = r."first"',
            *(f'l."{c}" = r."{c}"' for c in id_columns),
        ),
        deterministic_rules=(
            'l."email" = r."email"',
            'l."first" = r."first" AND l."last" = r."last" AND l."birth_date" = r."birth_date"',
            *(f'l."{c}" = r."{c}"' for c in id_columns),
        ),
        # EM learns from pairs that are mostly true matches. (On pairs blocked by name,
        # namesakes outnumber duplicates in a big base and EM learns "same name" instead of
        # "same person".)
        em_rules=(
            'l."email" = r."email"',
            'l."phone_2" = r."phone_2"',
            # A base without e-mails or mobiles (an export of names and addresses):
            *(f'l."{c}" = r."{c}"' for c in id_columns),
            'l."birth_date" = r."birth_date"',
        ),
        gate=_name_gate(identifiers),
    )


def company_model() -> Model:
    """Companies: name without legal form, web domain, E.164 phone, place, street."""
    return Model(
        comparisons=(
            _comparison(
                "name",
                _null("name"),
                [
                    _exact("name", 0.7, 1e-4),
                    _similar("name", 0.9, 0.15, 5e-4),
                    _else(0.15),
                ],
            ),
            _comparison("domain", _null("domain"), [_exact("domain", 0.8, 1e-5), _else(0.2)]),
            _phones(1, 0.8, 1e-5),
            _place(),
            _street(),
        ),
        blocking=(
            'l."name" = r."name"',
            'l."domain" = r."domain"',
            'l."phone_1" = r."phone_1"',
            'l."name_block" = r."name_block" AND l."zip" = r."zip"',
            'l."name_block" = r."name_block" AND l."city" = r."city"',
            'l."street" = r."street" AND l."zip" = r."zip"',
        ),
        deterministic_rules=(
            'l."domain" = r."domain"',
            'l."name" = r."name" AND l."zip" = r."zip"',
        ),
        em_rules=('l."domain" = r."domain"', 'l."name" = r."name"'),
    )


def tempered(model: dict[str, Any], priors: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """A trained Splink model with every m probability at least :data:`PROBABILITY_FLOOR`
    and every u at least :data:`U_FLOOR`, each comparison's probabilities summing to 1.

    With the untrained comparisons (``priors``): a level of a comparison that EM trained
    but that still has its prior m saw no match in training (Splink keeps the prior of a
    level it did not observe), so its m is the floor, not the prior (two records of one
    person never had different birth dates)."""
    prior_m = {
        (c["output_column_name"], level["label_for_charts"]): level.get("m_probability")
        for c in priors
        for level in c["comparison_levels"]
    }
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        name = comparison["output_column_name"]
        unchanged = [
            lv.get("m_probability") == prior_m.get((name, lv["label_for_charts"])) for lv in levels
        ]
        if priors and not all(unchanged):
            for level, same in zip(levels, unchanged, strict=True):
                level["m_probability"] = None if same else level["m_probability"]
        for key, floor in (("m_probability", PROBABILITY_FLOOR), ("u_probability", U_FLOOR)):
            values = [lv.get(key) for lv in levels]
            values = [floor if v is None or v != v else max(v, floor) for v in values]
            total = sum(values)
            for level, value in zip(levels, values, strict=True):
                level[key] = value / total
    return model


def linked_pairs(
    features: pd.DataFrame, model: Model, *, threshold: float, seed: int = 42
) -> pd.DataFrame:
    """Pairs of records (``unique_id_l``, ``unique_id_r``, ``match_probability``) whose match
    probability is at least ``threshold`` and that pass the model's gate."""
    size = len(features)
    if size < 2:
        return pd.DataFrame({"unique_id_l": [], "unique_id_r": [], "match_probability": []})
    logging.getLogger("splink").setLevel(logging.ERROR)
    con = duckdb.connect(config={"memory_limit": DUCKDB_MEMORY})
    try:
        con.register("features_in", features)
        if "first" in features.columns:
            con.register("forms_in", first_name_forms_table(features["first"]))
            con.execute(
                "CREATE TABLE records AS SELECT f.*, n.first_whole, n.first_forms "
                "FROM features_in f LEFT JOIN forms_in n USING (first)"
            )
        else:
            con.execute("CREATE TABLE records AS SELECT * FROM features_in")
        api = DuckDBAPI(connection=con)
        linker = Linker(
            "records", model.settings(prior=1 / size), db_api=api, set_up_basic_logging=False
        )
        if size >= TRAIN_MIN_RECORDS:
            _train(linker, con, model, size, seed)
            linker = Linker(
                "records",
                tempered(linker.misc.save_model_to_json(), model.comparisons),
                db_api=api,
                set_up_basic_logging=False,
            )
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        table = predictions.physical_name
        columns = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
        gate = "" if model.gate is None else f"WHERE {model.gate(columns)}"
        return con.execute(
            f"SELECT unique_id_l, unique_id_r, match_probability FROM {table} {gate}"
        ).df()
    finally:
        con.close()


def _train(
    linker: Linker, con: duckdb.DuckDBPyConnection, model: Model, records: int, seed: int
) -> None:
    """u by random sampling, then m by EM on the model's rules in order, skipping a rule
    with fewer than :data:`EM_MIN_PAIRS` pairs, until :data:`EM_SESSIONS` sessions have
    trained. (A failed Splink session is not harmless: it leaves the model with the
    session's blocked prior and without the comparisons its rule used.)"""
    linker.training.estimate_probability_two_random_records_match(
        list(model.deterministic_rules), recall=model.recall
    )
    fewest, most = U_SAMPLE_PAIRS
    pairs = min(max(3 * records, fewest), most)
    linker.training.estimate_u_using_random_sampling(max_pairs=pairs, seed=seed)
    sessions = 0
    for rule in model.em_rules:
        if sessions == EM_SESSIONS or _pairs(con, rule) < EM_MIN_PAIRS:
            continue
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except EMTrainingException:  # pragma: no cover - the count above rules it out
            continue
        sessions += 1


def _pairs(con: duckdb.DuckDBPyConnection, rule: str) -> int:
    """How many pairs of ``records`` the blocking rule (SQL over ``l`` and ``r``) yields."""
    sql = f"SELECT count(*) FROM records l JOIN records r ON l.unique_id < r.unique_id AND {rule}"
    return int(con.execute(sql).fetchall()[0][0])
