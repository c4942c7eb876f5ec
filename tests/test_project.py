"""The project itself: deployable entrypoints, schema files, comments on what analysts see."""

import importlib

import duckdb
import pytest
import yaml
from prefect import Flow

from flows.settings import Settings
from warehouse import db
from warehouse.publish import PUBLISHED_TABLES, publish_duckdb

DEPLOYMENTS = yaml.safe_load((db.SCHEMA_DIR.parents[1] / "prefect.yaml").read_text())[
    "deployments"]


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_prefect_yaml_entrypoint_imports_and_is_a_flow(deployment):
    path, name = deployment["entrypoint"].split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    assert isinstance(getattr(module, name), Flow)
    assert getattr(module, name).name == deployment["name"]


@pytest.mark.parametrize("path", db.schema_files(), ids=lambda p: p.name)
def test_schema_file_applies_to_an_in_memory_duckdb(path):
    con = duckdb.connect()
    for earlier in db.schema_files():
        if earlier.name < path.name:
            con.execute(earlier.read_text(encoding="utf-8"))
    con.execute(path.read_text(encoding="utf-8"))
    con.execute(path.read_text(encoding="utf-8"))  # and again: every file is idempotent


def test_published_file_has_a_comment_on_every_table_and_column(tmp_path):
    settings = Settings(data_dir=tmp_path)
    with db.connect(settings.state_db) as con:
        publish_duckdb(con, settings.published_db)
    con = duckdb.connect(str(settings.published_db), read_only=True)
    try:
        tables = con.sql("select schema_name || '.' || table_name, comment from duckdb_tables() "
                         "union all select schema_name || '.' || view_name, comment "
                         "from duckdb_views() where not internal").fetchall()
        columns = con.sql("select schema_name || '.' || table_name || '.' || column_name, "
                          "comment from duckdb_columns() where not internal").fetchall()
    finally:
        con.close()
    assert set(PUBLISHED_TABLES) <= {name for name, _ in tables}
    uncommented = [name for name, comment in tables + columns
                   if not comment or " / " not in comment]
    assert uncommented == []
