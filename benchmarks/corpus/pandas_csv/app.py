"""numpy and pandas over CSV rows: the totals per region of the rows in the event."""

import io

import numpy as np
import pandas as pd


def handler(event, context):
    frame = pd.read_csv(io.StringIO(event["csv"]))
    totals = frame.groupby("region")["amount"].sum().sort_index()
    return {
        "rows": len(frame),
        "totals": {region: round(float(value), 2) for region, value in totals.items()},
        "p90": round(float(np.percentile(frame["amount"].to_numpy(), 90)), 2),
    }
