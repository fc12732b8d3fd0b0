"""The statistics of duplicate detection, on Splink (Fellegi-Sunter, DuckDB backend).

Candidate pairs come from blocking on the CRM keys of :mod:`sync.hygiene.matching` (same
e-mail, same E.164 phone, same first-name form and last name, names swapped, last name and
postcode…). Each pair is compared field by field. A base large enough to learn from trains
its own model without labels: u probabilities by random sampling, m probabilities by
expectation maximisation on pairs that are mostly true matches (same e-mail, same mobile). A
small base, or a training session with no pairs, keeps the shipped priors: hand-set values
informed by a model trained on the sandbox generator's data.

On top of the statistics, one CRM rule the model cannot know (:func:`_name_gate`): colleagues
share a company's phone, address and e-mail domain, so two contacts are only linked when
their names agree, and weakly agreeing names need a shared personal e-mail, phone, birth
date or identifier too.
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

from sync.hygiene.matching import CONTACT_BLOCKS, first_name_forms_table

#: Fewer records than this keep the priors instead of training (EM needs pairs).
TRAIN_MIN_RECORDS = 5_000
#: How many random pairs estimate how often fields agree by chance.
U_SAMPLE_PAIRS = 2_000_000
#: How much memory DuckDB may take before it spills to disk.
DUCKDB_MEMORY = "2GB"
#: EM iterations per training session (it converges in a handful on CRM data).
EM_ITERATIONS = 10
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


def _typo(column: str, jaro_winkler: float) -> str:
    return (
        f'(jaro_winkler_similarity("{column}_l", "{column}_r") >= {jaro_winkler} '
        f'OR damerau_levenshtein("{column}_l", "{column}_r") <= 1)'
    )


_SAME_FIRST = (
    '("first_l" = "first_r" OR list_has_any("first_whole_l", "first_forms_r") '
    'OR list_has_any("first_forms_l", "first_whole_r"))'
)
_NO_FIRST = '("first_l" IS NULL OR "first_r" IS NULL)'
_SAME_LAST = '"last_l" = "last_r"'
_ONE_SURNAME = (
    '(starts_with("last_l", "last_r" || \' \') OR starts_with("last_r", "last_l" || \' \'))'
)

Strength = Literal["alone", "with_contact", "never"]

#: Levels of agreement between two people's names, best first: SQL, label, prior m and u,
#: and when two contacts may be linked at that level: on the name and the rest ("alone"),
#: only if they also share a personal e-mail, phone, birth date or identifier
#: ("with_contact"), or never.
NAME_LEVELS: tuple[tuple[Level, Strength], ...] = (
    (('"full_name_l" = "full_name_r"', "exact (accents, case, spacing)", 0.45, 2e-5), "alone"),
    (
        ('"first_l" = "last_r" AND "last_l" = "first_r"', "first and last swapped", 0.05, 1e-7),
        "alone",
    ),
    ((f"{_SAME_FIRST} AND {_SAME_LAST}", "nickname or name variant", 0.08, 2e-6), "alone"),
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
        (f"{_SAME_FIRST} AND {_ONE_SURNAME}", "one of two surnames missing", 0.03, 2e-5),
        "with_contact",
    ),
    (
        (f"{_typo('first', 0.9)} AND {_typo('last', 0.92)}", "typos in both names", 0.01, 5e-7),
        "with_contact",
    ),
    ((_SAME_LAST, "same last name only", 0.02, 1.3e-3), "never"),
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


def _name_gate(identifiers: Sequence[str]) -> Callable[[set[str]], str]:
    """The SQL over the prediction's ``gamma_*`` columns (Splink numbers a comparison's
    levels from "all other" = 0 upwards, null = -1) that a linked pair of contacts must pass,
    given the columns Splink kept (it leaves out comparisons of empty columns): names that
    agree well; or names that agree weakly (or are missing) and one shared personal key
    (e-mail, phone, birth date, identifier); or two shared personal keys whatever the names
    (typed past recognition), except relatives (same last name, another first name); or the
    same identifier."""
    top = len(NAME_LEVELS)
    alone = [str(top - i) for i, (_, s) in enumerate(NAME_LEVELS) if s == "alone"]
    weak = [str(top - i) for i, (_, s) in enumerate(NAME_LEVELS) if s == "with_contact"]
    evidence = {"gamma_email": 2, "gamma_phone": 1, "gamma_birth_date": 1}
    evidence.update({f"gamma_id_{name}": 1 for name in identifiers})

    never = [str(top - i) for i, (_, s) in enumerate(NAME_LEVELS) if s == "never"]

    def gate(columns: set[str]) -> str:
        if "gamma_name" not in columns:
            return "TRUE"
        personal = [
            f'CAST("{c}" >= {level} AS INT)' for c, level in evidence.items() if c in columns
        ]
        shared = " + ".join(personal) or "0"
        ids = [f'"{c}" = 2' for c in evidence if c.startswith("gamma_id_") and c in columns]
        return (
            f"gamma_name IN ({', '.join(alone)}) "
            f"OR (gamma_name IN (-1, {', '.join(weak)}) AND {shared} >= 1) "
            f"OR (gamma_name NOT IN ({', '.join(never)}) AND {shared} >= 2) "
            f"OR {' OR '.join(ids) or 'FALSE'}"
        )

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


def _identifier(column: str) -> dict[str, Any]:
    return _comparison(
        column,
        _null(column),
        [
            _exact(column, 0.95, 1e-6),
            (f'damerau_levenshtein("{column}_l", "{column}_r") <= 1', "one typo", 0.04, 1e-5),
            _else(0.01),
        ],
    )


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
                    ('"email_user_l" = "email_user_r"', "same mailbox, other domain", 0.05, 3e-5),
                    _else(0.25),
                ],
            ),
            _phones(2, 0.9, 3e-6),
            _comparison(
                "birth_date", _null("birth_date"), [_exact("birth_date", 0.95, 5e-5), _else(0.05)]
            ),
            _place(),
            _comparison(
                "street",
                _null("street"),
                [
                    _exact("street", 0.85, 1.4e-4),
                    _similar("street", 0.92, 0.05, 9e-4),
                    _else(0.1),
                ],
            ),
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
        ),
        # EM learns from pairs that are mostly true matches. (On pairs blocked by name,
        # namesakes outnumber duplicates in a big base and EM learns "same name" instead of
        # "same person".)
        em_rules=('l."email" = r."email"', 'l."phone_2" = r."phone_2"'),
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
            _comparison(
                "street",
                _null("street"),
                [
                    _exact("street", 0.85, 1.4e-4),
                    _similar("street", 0.92, 0.05, 9e-4),
                    _else(0.1),
                ],
            ),
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


def tempered(model: dict[str, Any]) -> dict[str, Any]:
    """A trained Splink model with every m probability at least :data:`PROBABILITY_FLOOR`
    and every u at least :data:`U_FLOOR`, each comparison's probabilities summing to 1."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
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
            _train(linker, model, seed)
            linker = Linker(
                "records",
                tempered(linker.misc.save_model_to_json()),
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


def _train(linker: Linker, model: Model, seed: int) -> None:
    linker.training.estimate_probability_two_random_records_match(
        list(model.deterministic_rules), recall=model.recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=seed)
    for rule in model.em_rules:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except EMTrainingException:  # no pairs to learn from: those m stay the priors
            continue
