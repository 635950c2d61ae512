"""The Dask run, on a real local cluster: the same actions and rejected accounts as pandas."""

from __future__ import annotations

import datetime
from pathlib import Path

import attrs
import cloudpickle
import distributed
import pandas as pd
import pytest

import dunforce
from dunforce.batch.distributed import run_dask
from dunforce.synthetic import synthetic_portfolio

ROOT = Path(__file__).parent.parent
PROGRAM = dunforce.load(ROOT / "examples" / "social_housing" / "scenarios.dfs")
KEY = ["account_id", "key"]


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def ordered(frame: pd.DataFrame, columns) -> pd.DataFrame:
    return frame.sort_values(columns, ignore_index=True)


@pytest.mark.slow
def test_a_dask_run_gives_the_actions_of_the_pandas_run(client):
    portfolio = synthetic_portfolio(3000, as_of="2026-11-09", seed=5)
    ledger = portfolio.ledger.copy()
    ledger["amount"] = ledger["amount"].astype(object)
    ledger.iloc[10, ledger.columns.get_loc("amount")] = "douze"  # one broken row
    portfolio = attrs.evolve(portfolio, ledger=ledger)
    day = datetime.date(2026, 11, 20)
    local = PROGRAM.run(portfolio, day)
    remote = run_dask(PROGRAM, portfolio, day, partitions=4)
    assert remote.method == "dask"
    assert (remote.accounts, remote.stepped) == (local.accounts, local.stepped) == (3000, 2999)
    assert len(local.actions) > 100
    pd.testing.assert_frame_equal(ordered(remote.actions, KEY), ordered(local.actions, KEY))
    pd.testing.assert_frame_equal(remote.rejected, local.rejected)
    assert remote.rejected["row"].tolist() == [11]


@pytest.mark.slow
def test_dask_tables_read_as_dask_dataframes_run_the_same(client):
    import dask.dataframe as dd

    portfolio = dunforce.Portfolio.read_csv(ROOT / "examples" / "social_housing" / "data")
    tables = {
        name: dd.from_pandas(getattr(portfolio, name), npartitions=3)
        for name in ("tenants", "ledger", "events", "plans", "history")
    }
    remote = run_dask(PROGRAM, tables, "2026-11-10")
    local = PROGRAM.run(portfolio, "2026-11-10")
    pd.testing.assert_frame_equal(ordered(remote.actions, KEY), ordered(local.actions, KEY))
    assert remote.accounts == local.accounts == 300


def test_a_program_travels_as_its_source_and_compiles_the_same():
    import pickle

    copy = pickle.loads(cloudpickle.dumps(PROGRAM))  # as Dask sends it to a worker
    portfolio = dunforce.Portfolio.read_csv(ROOT / "examples" / "social_housing" / "data")
    pd.testing.assert_frame_equal(
        copy.run(portfolio, "2026-11-10").actions, PROGRAM.run(portfolio, "2026-11-10").actions
    )


def test_the_tables_must_be_canonical():
    with pytest.raises(ValueError, match="required"):
        run_dask(PROGRAM, {"tenants": pd.DataFrame({"account_id": []})}, "2026-11-10")
    with pytest.raises(ValueError, match="not canonical"):
        run_dask(PROGRAM, {"tenant": pd.DataFrame()}, "2026-11-10")
