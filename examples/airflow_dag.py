"""An Airflow DAG that runs `crmsync sync` nightly (Airflow 2.x).

The CRM token lives in an Airflow connection or variable and reaches crmsync as an
environment variable; the state is on PostgreSQL so any worker can run the job, and the job
lock makes a second, overlapping run exit with code 4 instead of writing twice.
"""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="crmsync_nightly",
    schedule="30 2 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=15)},
) as dag:
    BashOperator(
        task_id="crmsync_sync",
        bash_command=(
            "crmsync --json --log-format json --log-level info sync "
            "--config /opt/crmsync/crmsync.yaml"
        ),
        env={
            "HUBSPOT_TOKEN": "{{ var.value.crmsync_hubspot_token }}",
            "CRMSYNC_STATE_PASSWORD": "{{ var.value.crmsync_state_password }}",
        },
        append_env=True,
    )
